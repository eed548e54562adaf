#pragma once

#include "store/run_types.h"

#include <QStringList>
#include <vector>

namespace reprise {

struct CurvePoints;

/// A run's param as text, "—" when the run has no such param (missing is a value of its own).
QString paramText(const RunRecord& run, const QString& name);

/// Every param name any of the runs has, sorted.
QStringList paramNames(const QList<RunRecord>& runs);

/// The params whose value (or absence) is not the same in every run, sorted: what tells configs apart.
QStringList varyingParams(const QList<RunRecord>& runs);

/// The ways the runs can be grouped, as grouping ids: "except:NAME" (equal params except NAME: the
/// seeds of one config) for each varying param whose name says seed, then "param:NAME" for every
/// varying param.
QStringList groupingChoices(const QList<RunRecord>& runs);

/// Which group a run belongs to under `grouping` ("param:NAME": "NAME=value"; "except:NAME": the other
/// `varying` params as "a=1, b=2", or "all runs" when there are none).
QString groupLabel(const RunRecord& run, const QString& grouping, const QStringList& varying);

/// A group of curves: its label and the indices of its members.
struct CurveGroup {
    QString label;
    std::vector<std::size_t> members;
};

/// Groups curves, given by the id of their run (and their own label, the group of a curve whose run is
/// not among `runs`), under `grouping`. Groups come in the order their first member appears.
std::vector<CurveGroup> groupCurves(const QStringList& curveRunIds, const QStringList& curveLabels,
    const QList<RunRecord>& runs, const QString& grouping);

/// The band drawn around a group's mean.
enum class BandKind { StandardDeviation, MinMax };

/// One line for a group of curves: the mean at every step of their union, a band around it (mean ± sample
/// std, or min–max), and a label that says how many curves the group holds ("lr=0.1 (n=2)").
struct GroupCurve {
    QString label;
    QString id; ///< "group:" + the group's label: stands for a run id in legends and exports
    std::vector<double> x;
    std::vector<double> mean;
    std::vector<double> low;
    std::vector<double> high;
};

GroupCurve groupCurve(const QString& label, const std::vector<CurvePoints>& members, BandKind band);

} // namespace reprise
