#pragma once

#include "store/database.h"
#include "store/run_types.h"

#include <QStringList>
#include <functional>

namespace reprise {

struct RecordOptions {
    QString dbPath;
    QString project = QStringLiteral("default");
    bool projectGiven = false; ///< chosen by the user (else the Python client's project= applies)
    QString name; ///< defaults to the script or program name
    QMap<QString, ParamValue> params;
    QStringList command; ///< program and arguments, executed as argv (never through a shell)
    Database::Options dbOptions;
    /// Told the run's id once it is recorded (before the command starts), e.g. to follow it elsewhere.
    std::function<void(const QString& runId)> runCreated;
};

/// The login name of this process's user ($USER, else the password database).
QString currentUserName();

/// Runs `command` as a child process and records it as a run: launch spec, code version,
/// allow-listed environment, params, output (tee'd to this process's stdout/stderr as it arrives
/// and stored every second), times and final status. The child sees REPRISE_RUN_ID, REPRISE_DB
/// and REPRISE_PARAMS (JSON) so the Python client attaches to the same run.
///
/// SIGTERM, SIGHUP and a SIGINT sent by another process are forwarded to the child; the run is then
/// recorded as killed. If this process dies, the child gets SIGTERM (PR_SET_PDEATHSIG) and the run
/// is marked killed on the database's next open.
///
/// Returns the exit code to leave with: the child's own, 128 + signal if it died of a signal, 127
/// or 126 if it could not start, 1 if the database could not be written. `message` receives what
/// the user must be told (run id, errors), each with an optional hint.
int recordRun(const RecordOptions& options, const std::function<void(const QString&, const QString&)>& message);

} // namespace reprise
