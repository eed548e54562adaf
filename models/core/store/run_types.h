#pragma once

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

namespace reprise {

/// Lifecycle of a run. "killed" is also what crash recovery records for an owner that vanished.
enum class RunStatus { Running, Finished, Failed, Killed };
QString toString(RunStatus status);
std::optional<RunStatus> parseRunStatus(const QString& text);

/// A typed parameter value, stored as text plus its type (int | float | bool | str | json).
struct ParamValue {
    QString value;
    QString type = QStringLiteral("str");

    /// Infers the type of a value given on a command line (`--param lr=0.01` is a float).
    static ParamValue infer(const QString& text);
    bool operator==(const ParamValue&) const = default;
};

/// How the run was launched: enough to execute it again.
struct LaunchSpec {
    QStringList argv;
    QString workingDir;
    QMap<QString, QString> environment; ///< allow-listed variables only (see launch/environment.h)
    QMap<QString, QString> configFiles; ///< path -> contents snapshot
};

/// Which code ran: the git state of the working directory at launch.
struct CodeVersion {
    QString commit;
    QString branch;
    QString root;
    bool dirty = false;
    QString patch; ///< `git diff HEAD` when dirty
};

/// What a recorder or client says about a run it is starting.
struct NewRun {
    QString uuid; ///< empty: a new random id (set by importers and the demo, for stable ids)
    QString project = QStringLiteral("default");
    QString name;
    QString kind = QStringLiteral("run");
    QString parentUuid;
    LaunchSpec launch;
    CodeVersion code;
    QString user;
    QString host;
    qint64 pid = 0;
    double startTime = 0; ///< seconds since the epoch
    QMap<QString, ParamValue> params;
    QMap<QString, QString> tags;
};

/// A run's identity in one database: the row id (fast joins) and the public uuid.
struct RunRef {
    qint64 rowId = 0;
    QString uuid;
};

/// The newest point and the number of points of one metric of one run.
struct MetricSummary {
    QString key;
    qint64 step = 0;
    double value = 0;
    double time = 0;
    qint64 count = 0;
};

/// One metric history as struct-of-arrays, ordered by step (repeated steps in logging order).
struct MetricHistory {
    QString key;
    std::vector<qint64> steps;
    std::vector<double> values; ///< NaN and +-inf are legal
    std::vector<double> times; ///< seconds since the epoch
    size_t size() const { return steps.size(); }
};

struct ArtifactRecord {
    qint64 id = 0;
    QString path;
    QString hash; ///< "sha256:<hex>" when known
    qint64 size = -1;
};

struct StepRecord {
    qint64 id = 0;
    QString name;
    QString status = QStringLiteral("finished");
    double startTime = std::numeric_limits<double>::quiet_NaN();
    double endTime = std::numeric_limits<double>::quiet_NaN();
    bool cached = false;
    QString command;
    QString paramsJson = QStringLiteral("{}");
    QString log;
    QList<ArtifactRecord> inputs;
    QList<ArtifactRecord> outputs;
    QStringList after; ///< names of steps this one depends on explicitly
};

struct FeatureProfile {
    QString feature;
    QString type; ///< numeric | categorical
    qint64 count = 0;
    qint64 missing = 0;
    QString statsJson = QStringLiteral("{}");
    QString sampleJson = QStringLiteral("[]"); ///< categorical samples (and numeric ones of schema < 3)
    QByteArray sampleValues; ///< numeric samples: little-endian float64, sorted ascending
};

struct DatasetRecord {
    qint64 id = 0;
    QString name;
    QString uri;
    QString hash;
    qint64 rows = 0;
    QString role;
    QList<FeatureProfile> profiles;
};

/// Everything recorded about one run, as a value snapshot.
struct RunRecord {
    QString uuid;
    /// The database it was read from, for views that read more of it (histories, output); set by
    /// loadRunSelection, empty elsewhere.
    QString source;
    QString project;
    QString name;
    RunStatus status = RunStatus::Running;
    QString kind;
    QString parentUuid;
    double startTime = 0;
    std::optional<double> endTime;
    std::optional<int> exitCode;
    QString user;
    QString host;
    qint64 pid = 0;
    LaunchSpec launch;
    CodeVersion code;
    QString notes;
    bool starred = false;
    bool archived = false;
    /// Interpreter and package versions, when the Python client recorded them (schema >= 5).
    QMap<QString, QString> runtime; ///< python, implementation, executable, platform
    QMap<QString, QString> packages; ///< distribution -> version
    QMap<QString, ParamValue> params;
    QMap<QString, QString> tags;
    QList<MetricSummary> metrics;
    QList<StepRecord> steps;
    QList<ArtifactRecord> artifacts;
    QList<DatasetRecord> datasets;
};

/// Captured output of a run, in the order it was written.
struct OutputChunk {
    QString stream; ///< stdout | stderr
    double time = 0;
    QString data;
};

} // namespace reprise
