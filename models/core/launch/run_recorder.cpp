#include "launch/run_recorder.h"

#include "launch/environment.h"
#include "launch/git_info.h"
#include "store/run_store.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <QStringDecoder>
#include <QTimer>
#include <csignal>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace reprise {

namespace {

    int g_signalPipe[2] = { -1, -1 };

    void onSignal(int signo, siginfo_t* info, void*)
    {
        // A SIGINT typed at the terminal already reached the child (same process group); only a
        // signal sent by a process (kill) must be forwarded.
        const char code = char(signo | ((info && info->si_code == SI_USER) ? 0x80 : 0));
        [[maybe_unused]] auto n = ::write(g_signalPipe[1], &code, 1);
    }

    void writeAll(int fd, const QByteArray& data)
    {
        const char* p = data.constData();
        qsizetype left = data.size();
        while (left > 0) {
            const auto n = ::write(fd, p, size_t(left));
            if (n <= 0)
                return; // the terminal went away; keep recording anyway
            p += n;
            left -= n;
        }
    }

    QJsonValue jsonParam(const ParamValue& p)
    {
        if (p.type == QLatin1String("int"))
            return QJsonValue(p.value.toLongLong());
        if (p.type == QLatin1String("float"))
            return QJsonValue(p.value.toDouble());
        if (p.type == QLatin1String("bool"))
            return QJsonValue(p.value == QLatin1String("true"));
        if (p.type == QLatin1String("json"))
            return QJsonDocument::fromJson(p.value.toUtf8()).isArray()
                ? QJsonValue(QJsonDocument::fromJson(p.value.toUtf8()).array())
                : QJsonValue(QJsonDocument::fromJson(p.value.toUtf8()).object());
        return QJsonValue(p.value);
    }

    QString defaultRunName(const QStringList& command)
    {
        const QString program = QFileInfo(command.first()).fileName();
        if (program.startsWith(QLatin1String("python")) && command.size() > 1 && !command[1].startsWith(u'-'))
            return QFileInfo(command[1]).fileName();
        return program;
    }

    /// Captured output waiting to be stored, decoded per stream so UTF-8 split across reads survives.
    class OutputBuffer {
    public:
        void add(const QString& stream, QStringDecoder& decoder, const QByteArray& bytes)
        {
            const QString text = decoder.decode(bytes);
            if (text.isEmpty())
                return;
            if (!m_chunks.isEmpty() && m_chunks.last().stream == stream)
                m_chunks.last().data += text;
            else
                m_chunks << OutputChunk { stream, nowSeconds(), text };
        }
        QList<OutputChunk> take() { return std::exchange(m_chunks, {}); }

    private:
        QList<OutputChunk> m_chunks;
    };

} // namespace

QString currentUserName()
{
    const QString fromEnvironment = qEnvironmentVariable("USER", qEnvironmentVariable("LOGNAME"));
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    const passwd* entry = ::getpwuid(::getuid());
    return entry ? QString::fromLocal8Bit(entry->pw_name) : QString();
}

int recordRun(const RecordOptions& options, const std::function<void(const QString&, const QString&)>& message)
{
    auto store = RunStore::open(options.dbPath, OpenMode::Create, options.dbOptions);
    if (!store) {
        message(store.error().message, store.error().hint);
        return 1;
    }
    if (auto st = store->database().checkWritable(); !st) {
        message(st.error().message, st.error().hint);
        return 1;
    }
    (void)store->recoverAbandonedRuns(localHostName());

    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    NewRun run;
    run.project = options.project;
    run.name = options.name.isEmpty() ? defaultRunName(options.command) : options.name;
    run.launch.argv = options.command;
    run.launch.workingDir = QDir::currentPath();
    run.launch.environment = allowListedEnvironment(environment);
    run.code = captureCodeVersion(run.launch.workingDir);
    run.user = currentUserName();
    run.host = localHostName();
    run.pid = QCoreApplication::applicationPid();
    run.startTime = nowSeconds();
    run.params = options.params;

    auto ref = store->createRun(run);
    if (!ref) {
        message(ref.error().message, ref.error().hint);
        return 1;
    }
    message(QStringLiteral("run ") + ref->uuid + QStringLiteral(" (") + run.project + u'/' + run.name
            + QStringLiteral(") recording into ") + options.dbPath,
        {});

    QJsonObject params;
    for (auto it = options.params.begin(); it != options.params.end(); ++it)
        params.insert(it.key(), jsonParam(*it));
    QProcessEnvironment childEnvironment = environment;
    childEnvironment.insert(QStringLiteral("REPRISE_RUN_ID"), ref->uuid);
    childEnvironment.insert(QStringLiteral("REPRISE_DB"), QFileInfo(options.dbPath).absoluteFilePath());
    childEnvironment.insert(
        QStringLiteral("REPRISE_PARAMS"), QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact)));

    if (!options.name.isEmpty())
        childEnvironment.insert(QStringLiteral("REPRISE_RUN_NAME"), options.name);

    QProcess child;
    child.setProgram(options.command.first());
    child.setArguments(options.command.mid(1));
    child.setProcessEnvironment(childEnvironment);
    child.setInputChannelMode(QProcess::ForwardedInputChannel);
    child.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });

    OutputBuffer buffer;
    QStringDecoder outDecoder(QStringDecoder::Utf8), errDecoder(QStringDecoder::Utf8);
    QObject::connect(&child, &QProcess::readyReadStandardOutput, [&] {
        const QByteArray bytes = child.readAllStandardOutput();
        writeAll(STDOUT_FILENO, bytes);
        buffer.add(QStringLiteral("stdout"), outDecoder, bytes);
    });
    QObject::connect(&child, &QProcess::readyReadStandardError, [&] {
        const QByteArray bytes = child.readAllStandardError();
        writeAll(STDERR_FILENO, bytes);
        buffer.add(QStringLiteral("stderr"), errDecoder, bytes);
    });

    bool storeFailed = false;
    auto flush = [&] {
        if (auto st = store->appendOutput(ref->rowId, buffer.take()); !st && !storeFailed) {
            storeFailed = true;
            message(QStringLiteral("cannot store output: ") + st.error().message, {});
        }
    };
    QTimer flushTimer;
    flushTimer.setInterval(1000);
    QObject::connect(&flushTimer, &QTimer::timeout, flush);

    // Signals arrive through a pipe so they are handled in the event loop, not in the handler.
    bool interrupted = false;
    std::unique_ptr<QSocketNotifier> signalNotifier;
    if (::pipe(g_signalPipe) == 0) {
        struct sigaction action = {};
        action.sa_sigaction = &onSignal;
        action.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&action.sa_mask);
        for (int signo : { SIGINT, SIGTERM, SIGHUP })
            sigaction(signo, &action, nullptr);
        signalNotifier = std::make_unique<QSocketNotifier>(g_signalPipe[0], QSocketNotifier::Read);
        QObject::connect(signalNotifier.get(), &QSocketNotifier::activated, [&] {
            char code = 0;
            if (::read(g_signalPipe[0], &code, 1) != 1)
                return;
            const int signo = code & 0x7f;
            const bool fromProcess = (code & 0x80) != 0;
            interrupted = true;
            if (child.state() == QProcess::NotRunning)
                return;
            if (signo != SIGINT || fromProcess)
                ::kill(pid_t(child.processId()), signo);
        });
    }

    QEventLoop loop;
    bool failedToStart = false;
    QObject::connect(&child, &QProcess::finished, &loop, &QEventLoop::quit);
    QObject::connect(&child, &QProcess::errorOccurred, &loop, [&](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            failedToStart = true;
            loop.quit();
        }
    });
    child.start();
    flushTimer.start();
    // A start failure may be reported synchronously inside start(), before the loop could run.
    if (!failedToStart)
        loop.exec();

    int exitCode = 0;
    RunStatus status = RunStatus::Finished;
    std::optional<int> recordedExit;
    if (failedToStart) {
        const QString program = options.command.first();
        const QString found = program.contains(u'/') ? program : QStandardPaths::findExecutable(program);
        const bool missing = found.isEmpty() || !QFileInfo::exists(found);
        exitCode = missing ? 127 : 126;
        const QString why = missing ? QStringLiteral("no such program (not found on PATH)")
                                    : QStringLiteral("cannot execute it (") + child.errorString() + u')';
        const QString line = QStringLiteral("cannot start '") + program + QStringLiteral("': ") + why;
        message(line, QStringLiteral("check the command after `--`; it is run directly, not through a shell"));
        buffer.add(QStringLiteral("stderr"), errDecoder, (QStringLiteral("reprise: ") + line + u'\n').toUtf8());
        status = RunStatus::Failed;
        recordedExit = exitCode;
    } else {
        // Drain what arrived after the last readyRead.
        const QByteArray restOut = child.readAllStandardOutput();
        writeAll(STDOUT_FILENO, restOut);
        buffer.add(QStringLiteral("stdout"), outDecoder, restOut);
        const QByteArray restErr = child.readAllStandardError();
        writeAll(STDERR_FILENO, restErr);
        buffer.add(QStringLiteral("stderr"), errDecoder, restErr);
        if (child.exitStatus() == QProcess::CrashExit) {
            // On Unix QProcess reports the terminating signal as the exit code of a crash.
            const int signo = child.exitCode();
            exitCode = 128 + signo;
            const bool killedBySomeone = signo == SIGKILL || signo == SIGTERM || signo == SIGINT || signo == SIGHUP;
            status = (killedBySomeone || interrupted) ? RunStatus::Killed : RunStatus::Failed;
        } else {
            exitCode = child.exitCode();
            status = exitCode == 0 ? RunStatus::Finished : interrupted ? RunStatus::Killed : RunStatus::Failed;
        }
        recordedExit = exitCode;
    }
    flushTimer.stop();
    flush();
    if (auto st = store->finishRun(ref->rowId, status, recordedExit, nowSeconds()); !st) {
        message(QStringLiteral("cannot record the end of run ") + ref->uuid + QStringLiteral(": ") + st.error().message,
            {});
        return exitCode != 0 ? exitCode : 1;
    }
    message(
        QStringLiteral("run ") + ref->uuid + u' ' + toString(status) + QStringLiteral(" (exit code %1)").arg(exitCode),
        {});
    for (int signo : { SIGINT, SIGTERM, SIGHUP })
        ::signal(signo, SIG_DFL);
    return exitCode;
}

} // namespace reprise
