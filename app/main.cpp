// reprise: the GUI, or a command-line subcommand when the first argument names one.

#include "cli/cli_common.h"
#include "compare/compare_view.h"
#include "dag/dag_view.h"
#include "drift/drift_view.h"
#include "main_window.h"
#include "rerun_actions.h"
#include "runs/run_browser.h"
#include "team/pg_connection.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QProcessEnvironment>
#include <QTimer>
#include <cstdio>
#include <functional>
#include <map>

namespace {

using reprise::cli::printError;
using reprise::cli::printOut;

const char* kUsage = R"(usage: reprise [SOURCES...] [--db PATH] [--screenshot FILE.png [--size WxH] [--select IDS]]
       reprise COMMAND [OPTIONS]

Reprise is a desktop experiment tracker for reproducible machine learning.
Without a command it opens the GUI on the run database (--db, $REPRISE_DB, or
~/.local/share/reprise/runs.db) and any SOURCES given: more run databases, or
other trackers' data (MLflow, TensorBoard, DVC, CSV logs), shown read-only.

Commands:
  run [--project P] [--name N] [--param k=v]... [--sync-to LOCATION] -- CMD ARGS...
                         run CMD and record it as a run (exit code is CMD's); --sync-to
                         also pushes it to a team store while it runs
  rerun RUN [--set k=v]... [--at-commit|--in-place] [--cwd DIR] [--wait] [--dry-run] [--json]
                         rerun a run at its recorded code version; --wait ends with the report
  bundle RUN -o FILE     a reproduction bundle: code, launch spec, environment, run and metrics in one file
  rerun --bundle FILE [--cwd DIR] [--set k=v]... [--wait]
                         rerun a bundle's run on this machine (its run imported first), then the report
  sweep RUN --grid KEY=V1,V2,... [--random KEY=uniform:A:B|loguniform:A:B|choice:V1,V2] [--samples N]
        [--seed S] [--parallel J] [--at-commit|--in-place] [--into DB] [--wait] [--dry-run] [--json]
                         reruns of a run over a grid or seeded random draws of its params
  importance --metric KEY [--filter EXPR|--sweep ID] [--json]
                         which params move a metric: Spearman and random-forest importance
  verify RUN_A RUN_B [--abs-tol X] [--rel-tol X] [--ignore KEY]... [--json]
                         did RUN_B reproduce RUN_A? (exit 0 reproduced, 3 diverged, 4 incomparable)
  import SOURCE... [--project P] [--json]
                         import MLflow, TensorBoard, DVC or CSV-logger runs (idempotent)
  sync --to LOCATION [--project P] [--filter EXPR] [--watch]
                         push runs to a PostgreSQL team store (idempotent, incremental)
  team init LOCATION     create or migrate a team store and its roles
  team login|logout LOCATION
                         keep (or remove) the login's password in the desktop keyring
  ls [--project P] [--filter EXPR] [--limit N] [--json]
                         list runs, newest first
  optimize               build the indexes that make filters fast in an older database of many runs
  show RUN [--json]      everything recorded about a run
  metrics RUN [KEY] [--csv|--json]
                         a run's metrics, or one metric's full history
  dag RUN [--format dot|json] [--artifacts] [--diff OTHER]
                         a run's pipeline DAG (or the diff of two runs' DAGs)
  drift --reference RUN[:DATASET] --current RUN[:DATASET]... [--test F=TEST]... [--json]
                         which features of datasets drifted against a reference
  profile CSVFILE --run RUN [--name NAME] [--role ROLE]
                         profile a CSV file as a dataset of a run
  demo --out PATH [--runs N] [--seed S] [--force]
                         write a deterministic demo database
  client [--wheel|--site|--json]
                         where the Python client is, and how to install it (venv, conda, container)

Run ids are full ids or unique prefixes of at least 6 characters.
`reprise COMMAND --help` describes each command.
)";

int runGui(int argc, char** argv)
{
    QStringList raw;
    for (int i = 1; i < argc; ++i)
        raw << QString::fromLocal8Bit(argv[i]);
    const bool screenshot = raw.contains(QStringLiteral("--screenshot"));
    const auto environment = QProcessEnvironment::systemEnvironment();
    if (screenshot && !environment.contains(QStringLiteral("QT_QPA_PLATFORM")))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (!screenshot && environment.value(QStringLiteral("DISPLAY")).isEmpty()
        && environment.value(QStringLiteral("WAYLAND_DISPLAY")).isEmpty()
        && !environment.contains(QStringLiteral("QT_QPA_PLATFORM"))) {
        printError(QStringLiteral("no display: DISPLAY and WAYLAND_DISPLAY are not set, so the window cannot open"),
            QStringLiteral("render it to a file instead: reprise --screenshot out.png [--db PATH]"));
        return reprise::cli::Failure;
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("reprise"));
    QApplication::setOrganizationName(QStringLiteral("reprise"));
    QApplication::setApplicationVersion(QStringLiteral(REPRISE_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.reprise.Reprise"));
    QApplication::setWindowIcon(QIcon::fromTheme(
        QStringLiteral("io.github.reprise.Reprise"), QIcon(QStringLiteral(":/icons/io.github.reprise.Reprise.svg"))));

    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addVersionOption();
    reprise::cli::addDatabaseOption(parser);
    parser.addOption({ QStringLiteral("screenshot"), QStringLiteral("Render the window to FILE.png and exit."),
        QStringLiteral("FILE") });
    parser.addOption({ QStringLiteral("size"), QStringLiteral("Window size for --screenshot (default 1400x900)."),
        QStringLiteral("WxH"), QStringLiteral("1400x900") });
    parser.addOption(
        { QStringLiteral("select"), QStringLiteral("Runs to select (comma-separated ids)."), QStringLiteral("IDS") });
    parser.addOption({ QStringLiteral("view"),
        QStringLiteral("View to show: runs, compare, params, parallel, scatter, dag or drift."), QStringLiteral("VIEW"),
        QStringLiteral("runs") });
    parser.addPositionalArgument(QStringLiteral("SOURCES"), QStringLiteral("Run databases to open."));
    if (!parser.parse(QApplication::arguments())) {
        printError(parser.errorText(), QStringLiteral("see `reprise --help`"));
        return reprise::cli::Usage;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        printOut(QByteArray(kUsage));
        return reprise::cli::Ok;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        printOut(QByteArrayLiteral("reprise " REPRISE_VERSION "\n"));
        return reprise::cli::Ok;
    }
    const QString view = parser.value(QStringLiteral("view"));
    const QStringList views { QStringLiteral("runs"), QStringLiteral("compare"), QStringLiteral("params"),
        QStringLiteral("parallel"), QStringLiteral("scatter"), QStringLiteral("dag"), QStringLiteral("drift"),
        QStringLiteral("rerun") };
    if (!views.contains(view)) {
        printError(QStringLiteral("--view '") + view + QStringLiteral("': not available"),
            QStringLiteral("views in this build: ") + views.join(QStringLiteral(", ")));
        return reprise::cli::Usage;
    }

    QStringList databases = parser.positionalArguments();
    if (parser.isSet(QStringLiteral("db")) || databases.isEmpty())
        databases.prepend(reprise::cli::databasePath(parser));

    reprise::MainWindow window(
        databases, screenshot ? reprise::MainWindow::Session::Fresh : reprise::MainWindow::Session::Restore);
    if (!screenshot) {
        window.show();
        return app.exec();
    }

    const QStringList size = parser.value(QStringLiteral("size")).split(u'x');
    const int width = size.value(0).toInt();
    const int height = size.value(1).toInt();
    if (size.size() != 2 || width < 200 || height < 150 || width > 8000 || height > 8000) {
        printError(
            QStringLiteral("--size '") + parser.value(QStringLiteral("size")) + QStringLiteral("': expected WxH"),
            QStringLiteral("e.g. --size 1400x900"));
        return reprise::cli::Usage;
    }
    window.resize(width, height);
    window.showView(view);
    window.show();
    const QString file = parser.value(QStringLiteral("screenshot"));
    const QStringList select = parser.value(QStringLiteral("select")).split(u',', Qt::SkipEmptyParts);
    int exitCode = reprise::cli::Ok;
    auto save = [&] {
        if (!window.grab().save(file)) {
            printError(file + QStringLiteral(": cannot write the screenshot"),
                QStringLiteral("check the folder exists and is writable"));
            exitCode = reprise::cli::Failure;
        }
        app.quit();
    };
    QObject::connect(&window, &reprise::MainWindow::runsLoaded, &app, [&] {
        if (window.isImporting())
            return; // another tracker's data is still being read: its runs load afterwards
        if (select.isEmpty()) {
            QTimer::singleShot(50, &app, save);
            return;
        }
        // Details arrive first; the pipeline and drift views may still be computing then.
        QObject::connect(&window, &reprise::MainWindow::detailsLoaded, &app, [&] {
            auto later = [&] { QTimer::singleShot(50, &app, save); };
            if (view == QLatin1String("dag") && window.dagView()->isBusy())
                QObject::connect(window.dagView(), &reprise::DagView::ready, &app, later);
            else if (window.compareView()->isVisible() && window.compareView()->isBusy())
                QObject::connect(window.compareView(), &reprise::CompareView::ready, &app, later);
            else if (view == QLatin1String("drift") && window.driftView()->isBusy())
                QObject::connect(window.driftView(), &reprise::DriftView::ready, &app, later);
            else if (view == QLatin1String("rerun")) {
                // The reproduction report of the selected runs (or of one rerun and its original).
                QObject::connect(window.rerunActions(), &reprise::RerunActions::verified, &app, later);
                window.rerunActions()->verify(window.runBrowser()->selectedRunIds());
            } else
                later();
        });
        window.selectRuns(select);
        if (window.runBrowser()->selectedRunIds().isEmpty()) {
            printError(QStringLiteral("--select: no run matches ") + select.join(u','),
                QStringLiteral("list the runs with `reprise ls`"));
            exitCode = reprise::cli::Failure;
            app.quit();
        }
    });
    // Never hang: a screenshot that cannot be taken in a minute is an error.
    QTimer::singleShot(60000, &app, [&] {
        printError(QStringLiteral("--screenshot: the window did not finish loading within 60 s"));
        exitCode = reprise::cli::Failure;
        app.quit();
    });
    app.exec();
    return exitCode;
}

} // namespace

int main(int argc, char** argv)
{
    static const std::map<std::string, std::function<int(const QStringList&)>> commands {
        { "run", reprise::cli::runRecord },
        { "ls", reprise::cli::runList },
        { "optimize", reprise::cli::runOptimize },
        { "show", reprise::cli::runShow },
        { "metrics", reprise::cli::runMetrics },
        { "demo", reprise::cli::runDemo },
        { "dag", reprise::cli::runDag },
        { "drift", reprise::cli::runDrift },
        { "profile", reprise::cli::runProfile },
        { "rerun", reprise::cli::runRerun },
        { "bundle", reprise::cli::runBundle },
        { "verify", reprise::cli::runVerify },
        { "import", reprise::cli::runImport },
        { "team", reprise::cli::runTeam },
        { "sync", reprise::cli::runSync },
        { "client", reprise::cli::runClient },
        { "sweep", reprise::cli::runSweep },
        { "importance", reprise::cli::runImportance },
    };
    if (argc > 1) {
        const std::string first = argv[1];
        if (first == "--help" || first == "-h" || first == "help") {
            std::fputs(kUsage, stdout);
            return reprise::cli::Ok;
        }
        if (first == "--version") {
            std::puts("reprise " REPRISE_VERSION);
            return reprise::cli::Ok;
        }
        if (auto it = commands.find(first); it != commands.end()) {
            QCoreApplication app(argc, argv);
            QCoreApplication::setApplicationName(QStringLiteral("reprise"));
            QStringList args;
            for (int i = 2; i < argc; ++i)
                args << QString::fromLocal8Bit(argv[i]);
            const int code = it->second(args);
            std::fflush(stdout);
            return code;
        }
        if (first.size() > 0 && first[0] != '-' && !QFileInfo::exists(QString::fromLocal8Bit(argv[1]))
            && !reprise::isTeamStoreLocation(QString::fromLocal8Bit(argv[1]))) {
            printError(
                QStringLiteral("'") + QString::fromLocal8Bit(argv[1]) + QStringLiteral("': no such command or file"),
                QStringLiteral("commands: run, rerun, sweep, importance, bundle, verify, import, sync, team, ls, show, "
                               "metrics, dag, drift, "
                               "profile, demo, client (see "
                               "`reprise --help`)"));
            return reprise::cli::Usage;
        }
    }
    return runGui(argc, argv);
}
