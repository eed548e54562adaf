#pragma once

#include "charts/metric_chart.h"
#include "store/run_types.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QSlider;

namespace reprise {

/// Compare runs: one chart per chosen metric key in a grid of small multiples, x axes linked
/// (zooming or panning one moves all), a stable colour per run, TensorBoard smoothing over the faint
/// raw curves, step / wall time / relative time on x, linear or log y. Histories are loaded and
/// prepared (pyramids, smoothing) on a worker thread from the database; stale loads are dropped.
class CompareView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kMaxRuns = 50;
    enum class XAxis { Step, WallTime, RelativeTime };

    explicit CompareView(QWidget* parent = nullptr);

    /// Runs to compare (their metric keys come from the records); histories are read from `database`.
    void setRuns(const QString& database, const QList<RunRecord>& runs);
    void clear(const QString& message);
    /// Chooses the metric keys to chart.
    void setKeys(const QStringList& keys);
    void setSmoothing(double weight);
    void setLogY(bool log);
    void setXAxis(XAxis axis);

    QList<MetricChart*> charts() const { return m_charts; }
    QStringList availableKeys() const { return m_allKeys; }
    QStringList chosenKeys() const { return m_keys; }
    QString message() const;
    bool isBusy() const { return m_busy; }

Q_SIGNALS:
    /// The charts show the current runs and keys (or a message says why not).
    void ready();

private:
    void reload();
    void build(std::vector<std::vector<ChartCurve>> curvesPerKey);
    void fillKeyList();

    QString m_database;
    QList<RunRecord> m_runs;
    QStringList m_allKeys;
    QStringList m_keys;
    double m_smoothing = 0.6;
    bool m_logY = false;
    XAxis m_xAxis = XAxis::Step;
    quint64 m_generation = 0;
    bool m_busy = false;
    QList<MetricChart*> m_charts;

    QLabel* m_message;
    QLineEdit* m_keyFilter;
    QListWidget* m_keyList;
    QSlider* m_smoothingSlider;
    QLabel* m_smoothingLabel;
    QCheckBox* m_log;
    QComboBox* m_xChooser;
    QWidget* m_grid;
    QGridLayout* m_gridLayout;
};

} // namespace reprise
