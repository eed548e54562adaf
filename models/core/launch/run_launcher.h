#pragma once

#include "store/database.h"
#include "store/run_types.h"

#include <QObject>
#include <QProcessEnvironment>
#include <memory>

class QProcess;
class QTimer;

namespace reprise {

class RunStore;

/// What to execute and how to record it.
struct LaunchRequest {
    QString dbPath;
    Database::Options dbOptions;
    NewRun run; ///< launch.argv is executed (argv, never a shell) in launch.workingDir, unless…
    QStringList execArgv; ///< …these are set: what runs differs from what is recorded (a rerun in a
    QString execWorkingDir; ///< worktree records the repository's paths, not the temporary ones)
    QProcessEnvironment environment; ///< the child's environment; the launcher adds REPRISE_RUN_ID/_DB/_PARAMS
    bool nameGiven = false; ///< the user named the run: the Python client must not rename it
    bool projectGiven = false; ///< the user chose the project: the Python client must not move it
    bool forwardInput = false; ///< the child reads this process's stdin (`reprise run` in a terminal)
};

/// How a launch ended.
struct LaunchOutcome {
    QString runId; ///< empty when no run could be recorded
    RunStatus status = RunStatus::Failed;
    int exitCode = 1; ///< the child's own, 128 + signal, 127/126 if it could not start, 1 if the database failed
    bool started = false; ///< the child process ran
};

/// Executes one command as a child process and records it as a run: creates the run (launch spec,
/// code version of the working dir, params, parent), streams the child's output (signals, and
/// stored every second), then records the end and packs the histories. Every database write
/// happens on the thread this object lives on, so a GUI moves it to a worker thread.
///
/// The child sees REPRISE_RUN_ID, REPRISE_DB and REPRISE_PARAMS (JSON), so the Python client
/// attaches to the same run and takes the params as overrides. If this process dies, the child
/// gets SIGTERM (PR_SET_PDEATHSIG).
class RunLauncher : public QObject {
    Q_OBJECT
public:
    explicit RunLauncher(QObject* parent = nullptr);
    ~RunLauncher() override;

    /// Starts the launch; finished() follows (also when nothing could start).
    Q_INVOKABLE void start(const reprise::LaunchRequest& request);
    /// Stops the child: SIGTERM, then SIGKILL if it is still running after `graceMs`.
    Q_INVOKABLE void terminate(int graceMs = 5000);
    /// Records that the run was interrupted by `signo`, and passes the signal on when `deliver`.
    void interrupt(int signo, bool deliver);
    bool isRunning() const;

Q_SIGNALS:
    /// Something the user must be told (run id, errors), with an optional hint.
    void message(const QString& text, const QString& hint);
    void runCreated(const QString& runId);
    /// Bytes the child wrote, as they arrive (stdout when !isError).
    void output(bool isError, const QByteArray& bytes);
    void finished(const reprise::LaunchOutcome& outcome);

private:
    void onOutput(bool isError);
    void flushOutput();
    void onStartFailed();
    void onExited();
    void finish(RunStatus status, int exitCode, bool started);

    struct State;
    std::unique_ptr<State> d;
};

/// Text of a parameter map as the JSON object REPRISE_PARAMS carries (typed values).
QString paramsAsJson(const QMap<QString, ParamValue>& params);

} // namespace reprise

Q_DECLARE_METATYPE(reprise::LaunchRequest)
Q_DECLARE_METATYPE(reprise::LaunchOutcome)
