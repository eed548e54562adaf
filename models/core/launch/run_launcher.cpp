#include "launch/run_launcher.h"

#include "launch/git_info.h"
#include "store/run_store.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QStringDecoder>
#include <QTimer>
#include <cmath>
#include <csignal>
#include <optional>
#include <sys/prctl.h>

namespace reprise {

namespace {

    QString jsonString(const QString& text)
    {
        const QByteArray array = QJsonDocument(QJsonArray { text }).toJson(QJsonDocument::Compact);
        return QString::fromUtf8(array.mid(1, array.size() - 2));
    }

    /// One param as JSON text. Written by hand because QJsonDocument prints 10.0 as 10, which
    /// Python would read back as an int: a rerun must hand the program the same types it recorded.
    QString jsonParam(const ParamValue& p)
    {
        bool ok = false;
        if (p.type == QLatin1String("int")) {
            const qint64 v = p.value.toLongLong(&ok);
            return ok ? QString::number(v) : jsonString(p.value);
        }
        if (p.type == QLatin1String("float")) {
            const double v = p.value.toDouble(&ok);
            if (!ok)
                return jsonString(p.value);
            if (std::isnan(v))
                return QStringLiteral("NaN"); // what Python's json module reads and writes
            if (std::isinf(v))
                return v > 0 ? QStringLiteral("Infinity") : QStringLiteral("-Infinity");
            // Shortest digits that read back as the same double, laid out as Python's repr does:
            // positional from 1e-4 to 1e16, else scientific.
            int digits = 17;
            for (int precision = 1; precision <= 17; ++precision)
                if (QString::number(v, 'e', precision - 1).toDouble() == v) {
                    digits = precision;
                    break;
                }
            const int exponent = v == 0 ? 0 : int(std::floor(std::log10(std::fabs(v))));
            QString text = (v == 0 || (exponent >= -4 && exponent < 16))
                ? QString::number(v, 'f', std::max(0, digits - 1 - exponent))
                : QString::number(v, 'e', digits - 1);
            if (!text.contains(u'.') && !text.contains(u'e'))
                text += QStringLiteral(".0");
            return text;
        }
        if (p.type == QLatin1String("bool"))
            return p.value == QLatin1String("true") ? QStringLiteral("true") : QStringLiteral("false");
        if (p.type == QLatin1String("json")) {
            QJsonParseError error;
            const QJsonDocument document = QJsonDocument::fromJson(p.value.toUtf8(), &error);
            if (error.error == QJsonParseError::NoError)
                return QString::fromUtf8(document.toJson(QJsonDocument::Compact));
        }
        return jsonString(p.value);
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
        /// Chunks whose write failed go back in front of what arrived since, to be retried.
        void putBack(QList<OutputChunk> chunks)
        {
            chunks += m_chunks;
            m_chunks = std::move(chunks);
        }

    private:
        QList<OutputChunk> m_chunks;
    };

} // namespace

QString paramsAsJson(const QMap<QString, ParamValue>& params)
{
    QStringList members;
    for (auto it = params.begin(); it != params.end(); ++it)
        members << jsonString(it.key()) + u':' + jsonParam(*it);
    return u'{' + members.join(u',') + u'}';
}

struct RunLauncher::State {
    std::optional<RunStore> store;
    RunRef ref;
    QString program;
    QProcess* child = nullptr;
    QTimer* flushTimer = nullptr;
    QTimer* killTimer = nullptr;
    OutputBuffer buffer;
    QStringDecoder outDecoder { QStringDecoder::Utf8 };
    QStringDecoder errDecoder { QStringDecoder::Utf8 };
    bool storeFailed = false;
    bool interrupted = false;
    bool done = false;
};

RunLauncher::RunLauncher(QObject* parent)
    : QObject(parent)
    , d(std::make_unique<State>())
{
    qRegisterMetaType<LaunchRequest>();
    qRegisterMetaType<LaunchOutcome>();
}

RunLauncher::~RunLauncher()
{
    if (d->child && d->child->state() != QProcess::NotRunning) {
        d->child->kill();
        d->child->waitForFinished(2000);
    }
}

bool RunLauncher::isRunning() const { return d->child && d->child->state() != QProcess::NotRunning; }

void RunLauncher::start(const LaunchRequest& request)
{
    const auto fail = [this](const Error& error) {
        Q_EMIT message(error.message, error.hint);
        d->done = true;
        Q_EMIT finished(LaunchOutcome {});
    };
    if (request.run.launch.argv.isEmpty() || request.run.launch.argv.first().isEmpty())
        return fail(Error { QStringLiteral("no command to run"), {} });
    auto store = RunStore::open(request.dbPath, OpenMode::Create, request.dbOptions);
    if (!store)
        return fail(store.error());
    if (auto st = store->database().checkWritable(); !st)
        return fail(st.error());
    (void)store->recoverAbandonedRuns(localHostName());
    d->store.emplace(std::move(*store));

    NewRun run = request.run;
    if (run.code.commit.isEmpty() && run.code.root.isEmpty())
        run.code
            = captureCodeVersion(request.execWorkingDir.isEmpty() ? run.launch.workingDir : request.execWorkingDir);
    if (run.startTime <= 0)
        run.startTime = nowSeconds();
    auto ref = d->store->createRun(run);
    if (!ref)
        return fail(ref.error());
    d->ref = *ref;
    Q_EMIT runCreated(ref->uuid);
    Q_EMIT message(QStringLiteral("run ") + ref->uuid + QStringLiteral(" (") + run.project + u'/' + run.name
            + QStringLiteral(") recording into ") + request.dbPath,
        {});

    QProcessEnvironment environment = request.environment;
    environment.insert(QStringLiteral("REPRISE_RUN_ID"), ref->uuid);
    environment.insert(QStringLiteral("REPRISE_DB"), QFileInfo(request.dbPath).absoluteFilePath());
    environment.insert(QStringLiteral("REPRISE_PARAMS"), paramsAsJson(run.params));
    if (request.nameGiven)
        environment.insert(QStringLiteral("REPRISE_RUN_NAME"), run.name);
    else
        environment.remove(QStringLiteral("REPRISE_RUN_NAME"));
    if (request.projectGiven)
        environment.insert(QStringLiteral("REPRISE_RUN_PROJECT"), run.project);
    else
        environment.remove(QStringLiteral("REPRISE_RUN_PROJECT"));

    const QStringList& argv = request.execArgv.isEmpty() ? run.launch.argv : request.execArgv;
    d->program = argv.first();
    d->child = new QProcess(this);
    d->child->setProgram(d->program);
    d->child->setArguments(argv.mid(1));
    d->child->setWorkingDirectory(request.execWorkingDir.isEmpty() ? run.launch.workingDir : request.execWorkingDir);
    d->child->setProcessEnvironment(environment);
    if (request.forwardInput)
        d->child->setInputChannelMode(QProcess::ForwardedInputChannel);
    d->child->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    connect(d->child, &QProcess::readyReadStandardOutput, this, [this] { onOutput(false); });
    connect(d->child, &QProcess::readyReadStandardError, this, [this] { onOutput(true); });
    connect(d->child, &QProcess::finished, this, &RunLauncher::onExited);
    connect(d->child, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            onStartFailed();
    });
    d->flushTimer = new QTimer(this);
    d->flushTimer->setInterval(1000);
    connect(d->flushTimer, &QTimer::timeout, this, &RunLauncher::flushOutput);
    d->flushTimer->start();
    d->child->start();
}

void RunLauncher::terminate(int graceMs)
{
    if (!isRunning())
        return;
    interrupt(SIGTERM, true);
    if (!d->killTimer) {
        d->killTimer = new QTimer(this);
        d->killTimer->setSingleShot(true);
        connect(d->killTimer, &QTimer::timeout, this, [this] {
            if (isRunning())
                d->child->kill();
        });
    }
    d->killTimer->start(graceMs);
}

void RunLauncher::interrupt(int signo, bool deliver)
{
    d->interrupted = true;
    if (deliver && isRunning())
        ::kill(pid_t(d->child->processId()), signo);
}

void RunLauncher::onOutput(bool isError)
{
    const QByteArray bytes = isError ? d->child->readAllStandardError() : d->child->readAllStandardOutput();
    if (bytes.isEmpty())
        return;
    Q_EMIT output(isError, bytes);
    d->buffer.add(
        isError ? QStringLiteral("stderr") : QStringLiteral("stdout"), isError ? d->errDecoder : d->outDecoder, bytes);
}

void RunLauncher::flushOutput()
{
    if (!d->store)
        return;
    QList<OutputChunk> chunks = d->buffer.take();
    if (chunks.isEmpty())
        return;
    if (auto st = d->store->appendOutput(d->ref.rowId, chunks); !st) {
        // Kept, in order, and written with the next flush (the database may be locked a while):
        // a captured line is never dropped for a failed write.
        d->buffer.putBack(std::move(chunks));
        if (!d->storeFailed)
            Q_EMIT message(QStringLiteral("cannot store output yet (kept, retried): ") + st.error().message, {});
        d->storeFailed = true;
    }
}

void RunLauncher::onStartFailed()
{
    const QString& program = d->program;
    const QString found = program.contains(u'/') ? program : QStandardPaths::findExecutable(program);
    const bool missing = found.isEmpty() || !QFileInfo::exists(found);
    const QString why = missing ? QStringLiteral("no such program (not found on PATH)")
                                : QStringLiteral("cannot execute it (") + d->child->errorString() + u')';
    const QString line = QStringLiteral("cannot start '") + program + QStringLiteral("': ") + why;
    Q_EMIT message(line, QStringLiteral("check the command; it is run directly, not through a shell"));
    d->buffer.add(QStringLiteral("stderr"), d->errDecoder, (QStringLiteral("reprise: ") + line + u'\n').toUtf8());
    finish(RunStatus::Failed, missing ? 127 : 126, false);
}

void RunLauncher::onExited()
{
    // Drain what arrived after the last readyRead.
    onOutput(false);
    onOutput(true);
    int exitCode = 0;
    RunStatus status = RunStatus::Finished;
    if (d->child->exitStatus() == QProcess::CrashExit) {
        // On Unix QProcess reports the terminating signal as the exit code of a crash.
        const int signo = d->child->exitCode();
        exitCode = 128 + signo;
        const bool killedBySomeone = signo == SIGKILL || signo == SIGTERM || signo == SIGINT || signo == SIGHUP;
        status = (killedBySomeone || d->interrupted) ? RunStatus::Killed : RunStatus::Failed;
    } else {
        exitCode = d->child->exitCode();
        status = exitCode == 0 ? RunStatus::Finished : d->interrupted ? RunStatus::Killed : RunStatus::Failed;
    }
    finish(status, exitCode, true);
}

void RunLauncher::finish(RunStatus status, int exitCode, bool started)
{
    if (d->done)
        return;
    d->done = true;
    d->flushTimer->stop();
    if (d->killTimer)
        d->killTimer->stop();
    flushOutput();
    LaunchOutcome outcome { d->ref.uuid, status, exitCode, started };
    if (auto st = d->store->finishRun(d->ref.rowId, status, exitCode, nowSeconds()); !st) {
        Q_EMIT message(
            QStringLiteral("cannot record the end of run ") + d->ref.uuid + QStringLiteral(": ") + st.error().message,
            {});
        outcome.exitCode = exitCode != 0 ? exitCode : 1;
    } else {
        Q_EMIT message(QStringLiteral("run ") + d->ref.uuid + u' ' + toString(status)
                + QStringLiteral(" (exit code %1)").arg(exitCode),
            {});
    }
    Q_EMIT finished(outcome);
}

} // namespace reprise
