#include "launch/run_recorder.h"

#include "launch/environment.h"
#include "launch/run_launcher.h"
#include "store/run_store.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QSocketNotifier>
#include <csignal>
#include <pwd.h>
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

    QString defaultRunName(const QStringList& command)
    {
        const QString program = QFileInfo(command.first()).fileName();
        if (program.startsWith(QLatin1String("python")) && command.size() > 1 && !command[1].startsWith(u'-'))
            return QFileInfo(command[1]).fileName();
        return program;
    }

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
    LaunchRequest request;
    request.dbPath = options.dbPath;
    request.dbOptions = options.dbOptions;
    request.environment = QProcessEnvironment::systemEnvironment();
    request.nameGiven = !options.name.isEmpty();
    request.projectGiven = options.projectGiven;
    request.forwardInput = true;
    NewRun& run = request.run;
    run.project = options.project;
    run.name = options.name.isEmpty() ? defaultRunName(options.command) : options.name;
    run.launch.argv = options.command;
    run.launch.workingDir = QDir::currentPath();
    run.launch.environment = allowListedEnvironment(request.environment);
    run.user = currentUserName();
    run.host = localHostName();
    run.pid = QCoreApplication::applicationPid();
    run.params = options.params;

    RunLauncher launcher;
    QEventLoop loop;
    LaunchOutcome outcome;
    QObject::connect(&launcher, &RunLauncher::message, message);
    if (options.runCreated)
        QObject::connect(&launcher, &RunLauncher::runCreated, options.runCreated);
    QObject::connect(&launcher, &RunLauncher::output,
        [](bool isError, const QByteArray& bytes) { writeAll(isError ? STDERR_FILENO : STDOUT_FILENO, bytes); });
    bool done = false;
    QObject::connect(&launcher, &RunLauncher::finished, &loop, [&](const LaunchOutcome& result) {
        outcome = result;
        done = true;
        loop.quit();
    });

    // Signals arrive through a pipe so they are handled in the event loop, not in the handler.
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
            launcher.interrupt(signo, signo != SIGINT || fromProcess);
        });
    }

    launcher.start(request);
    // A start failure may be reported synchronously inside start(), before the loop could run.
    if (!done)
        loop.exec();
    for (int signo : { SIGINT, SIGTERM, SIGHUP })
        ::signal(signo, SIG_DFL);
    return outcome.exitCode;
}

} // namespace reprise
