#pragma once

#include "launch/rerun_draft.h"
#include "result.h"

#include <QList>
#include <QMap>
#include <QStringList>

namespace reprise {

/// One swept param: a grid of values, or a distribution drawn from.
struct SweepAxis {
    enum class Kind {
        Grid, ///< `--grid KEY=V1,V2,…`: every value, in the Cartesian product with the other grid axes
        Uniform, ///< `--random KEY=uniform:A:B`
        LogUniform, ///< `--random KEY=loguniform:A:B` (0 < A < B)
        Choice, ///< `--random KEY=choice:V1,V2,…`: one of the values, each equally likely
    };
    QString key;
    Kind kind = Kind::Grid;
    QStringList values; ///< Grid and Choice, as given
    double low = 0; ///< Uniform and LogUniform
    double high = 0;
};

/// What a sweep varies: grid axes (their Cartesian product), random axes drawn `samples` times
/// for every point of the grid, from a seed (the same seed gives the same members).
struct SweepSpec {
    QList<SweepAxis> axes; ///< in the order given: grid axes first, then random ones
    int samples = 1; ///< draws per grid point; 1 without random axes
    quint64 seed = 0;
    bool hasRandom() const;
    /// Members the spec makes: grid sizes multiplied, times `samples` (saturates at 2^62).
    qint64 size() const;
};

/// Default number of draws of `--random` axes when `--samples` is not given.
inline constexpr int kDefaultSweepSamples = 10;
/// A sweep larger than this needs an explicit confirmation (--yes, or the dialog's box).
inline constexpr qint64 kSweepConfirmAbove = 1000;
/// A sweep larger than this is refused outright (its members would not fit a queue).
inline constexpr qint64 kSweepMaximum = 100000;

/// Parses `--grid` and `--random` arguments. `samples` < 0: not given (kDefaultSweepSamples with
/// random axes). Errors name the argument and say how to write it.
Result<SweepSpec> parseSweepSpec(
    const QStringList& grid, const QStringList& random, int samples = -1, quint64 seed = 0);

/// One member: its place in the sweep and the values of the swept params (typed like the run's).
struct SweepMember {
    int index = 0;
    QMap<QString, ParamValue> values;
};

/// A sweep ready to queue: the base draft (checked once: members differ only in params) and its
/// members.
struct SweepPlan {
    QString id; ///< 12 lowercase hex digits, the `sweep.id` tag of every member
    SweepSpec spec;
    RerunDraft base;
    QList<SweepMember> members;

    /// The draft of member `index`: the base with the member's values, tagged with the sweep
    /// (`sweep.id`, `sweep.index`, `sweep.size`, `sweep.params`, and `sweep.seed` when drawn).
    RerunDraft memberDraft(int index) const;
    qsizetype size() const { return members.size(); }
};

/// The members of `spec` applied to `base`: every swept key must be a param the run recorded, and
/// every value must read as its recorded type (an int param takes integers, a float one numbers,
/// a bool one true/false). Grid members are ordered like nested loops, the first axis outermost;
/// random draws come from `spec.seed` and the member's index alone, so the same spec gives the same
/// members on any machine. Refuses a spec over kSweepMaximum members.
Result<QList<SweepMember>> expandSweep(const SweepSpec& spec, const RerunDraft& base);

/// A new sweep id: 12 random lowercase hex digits.
QString newSweepId();

/// The swept values of a member as `k=v k=v`, in the spec's order.
QString memberText(const SweepSpec& spec, const SweepMember& member);

} // namespace reprise
