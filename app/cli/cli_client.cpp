// `reprise client`: where the Python logging client is, and how to install it where training runs.

#include "cli/cli_common.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>

namespace reprise::cli {

namespace {

    /// A path as one shell word: as it is when it needs no quoting, else in single quotes.
    QString shellWord(const QString& text)
    {
        static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
        if (plain.match(text).hasMatch())
            return text;
        QString quoted = text;
        quoted.replace(QStringLiteral("'"), QStringLiteral("'\\''"));
        return u'\'' + quoted + u'\'';
    }

    /// Where the wheel and the client for the system interpreter are. The build puts them in the
    /// installed layout under the build tree (build/share/reprise/python, build/lib/python3/
    /// dist-packages), so the same paths relative to the executable hold in both places.
    struct ClientPaths {
        QString wheel; ///< .../share/reprise/python/reprise-VERSION-py3-none-any.whl
        QString site; ///< .../lib/python3/dist-packages, the folder holding the package `reprise`
        bool buildTree = false; ///< the executable runs from a build tree, not an installation
        bool systemPython = false; ///< Debian's /usr/bin/python3 imports from `site` as it is
    };

    ClientPaths clientPaths()
    {
        const QDir bin(QCoreApplication::applicationDirPath());
        const QString wheelName = QStringLiteral("reprise-" REPRISE_VERSION "-py3-none-any.whl");
        ClientPaths paths;
        paths.wheel = QDir::cleanPath(bin.filePath(QStringLiteral("../share/reprise/python/")) + u'/' + wheelName);
        paths.site = QDir::cleanPath(bin.filePath(QStringLiteral("../lib/python3/dist-packages")));
        paths.buildTree = QFileInfo::exists(bin.filePath(QStringLiteral("../CMakeCache.txt")));
        paths.systemPython = paths.site == QLatin1String("/usr/lib/python3/dist-packages");
        return paths;
    }

    struct Commands {
        QString system;
        QString venv;
        QString conda;
        QString containerBuild; ///< run beside the Dockerfile
        QStringList dockerfile; ///< the Dockerfile's lines that install the wheel
        QString containerRun;
    };

    Commands commands(const ClientPaths& paths)
    {
        const QString wheel = shellWord(paths.wheel);
        const QString wheelName = QFileInfo(paths.wheel).fileName();
        Commands c;
        c.system = paths.systemPython
            ? QStringLiteral("/usr/bin/python3 train.py")
            : QStringLiteral("PYTHONPATH=") + shellWord(paths.site) + QStringLiteral(" /usr/bin/python3 train.py");
        c.venv = QStringLiteral("python3 -m venv .venv && .venv/bin/python -m pip install --no-index ") + wheel;
        c.conda = QStringLiteral("conda run -n ENV python -m pip install --no-index ") + wheel;
        c.containerBuild = QStringLiteral("cp ") + wheel + QStringLiteral(" . && docker build -t IMAGE .");
        c.dockerfile = QStringList { QStringLiteral("COPY ") + wheelName + QStringLiteral(" /tmp/"),
            QStringLiteral("RUN python3 -m pip install --no-index /tmp/") + wheelName + QStringLiteral(" && rm /tmp/")
                + wheelName };
        c.containerRun = QStringLiteral("docker run -v \"$HOME/.local/share/reprise:/reprise\" -e "
                                        "REPRISE_DB=/reprise/runs.db IMAGE python3 train.py");
        return c;
    }

} // namespace

int runClient(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Where the Python logging client is (a wheel for any environment, and the package for the system's "
        "python3), and the commands that install it: system Python, a virtual environment, a conda environment, "
        "a container image. Offline: pip installs the wheel with --no-index."));
    parser.addOption({ QStringLiteral("wheel"), QStringLiteral("Print only the wheel's path.") });
    parser.addOption({ QStringLiteral("site"),
        QStringLiteral("Print only the folder holding the package for the system's python3 (for PYTHONPATH).") });
    parser.addOption({ QStringLiteral("json"), QStringLiteral("One JSON document on stdout.") });
    int exitCode = Ok;
    if (!parseArguments(parser, QStringLiteral("client"), args, exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("client: unexpected argument '") + parser.positionalArguments().first() + u'\'',
            QStringLiteral("see `reprise client --help`"));
        return Usage;
    }

    const ClientPaths paths = clientPaths();
    const bool wheelFound = QFileInfo(paths.wheel).isFile();
    const bool siteFound = QFileInfo(paths.site + QStringLiteral("/reprise/__init__.py")).isFile();
    const QString hint = paths.buildTree
        ? QStringLiteral("build it: cmake --build BUILD --target reprise_python (needs python3-build)")
        : QStringLiteral("reinstall the reprise package, which ships the client");
    if (!wheelFound && !siteFound) {
        printError(QStringLiteral("client: the Python client is not beside this program (") + paths.wheel
                + QStringLiteral(" does not exist)"),
            hint);
        return Failure;
    }
    if (parser.isSet(QStringLiteral("wheel")) || parser.isSet(QStringLiteral("site"))) {
        const bool wantWheel = parser.isSet(QStringLiteral("wheel"));
        if (!(wantWheel ? wheelFound : siteFound)) {
            printError(QStringLiteral("client: ")
                    + (wantWheel ? paths.wheel : QString(paths.site + QStringLiteral("/reprise")))
                    + QStringLiteral(" does not exist"),
                hint);
            return Failure;
        }
        printOut((wantWheel ? paths.wheel : paths.site) + u'\n');
        return Ok;
    }

    const Commands c = commands(paths);
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonObject out { { QStringLiteral("version"), QStringLiteral(REPRISE_VERSION) },
            { QStringLiteral("wheel"), wheelFound ? QJsonValue(paths.wheel) : QJsonValue() },
            { QStringLiteral("site"), siteFound ? QJsonValue(paths.site) : QJsonValue() },
            { QStringLiteral("build_tree"), paths.buildTree },
            { QStringLiteral("system_python_imports"), paths.systemPython && siteFound },
            { QStringLiteral("commands"),
                QJsonObject { { QStringLiteral("system"), c.system }, { QStringLiteral("venv"), c.venv },
                    { QStringLiteral("conda"), c.conda }, { QStringLiteral("container_build"), c.containerBuild },
                    { QStringLiteral("dockerfile"), QJsonArray::fromStringList(c.dockerfile) },
                    { QStringLiteral("container_run"), c.containerRun } } } };
        printJson(QJsonDocument(out));
        return Ok;
    }

    QString text;
    text += QStringLiteral("Reprise " REPRISE_VERSION " Python client (standard library only, Python >= 3.9)%1\n")
                .arg(paths.buildTree ? QStringLiteral(", from a build tree") : QString());
    text += QStringLiteral("  wheel:   ")
        + (wheelFound ? paths.wheel : QString(QStringLiteral("missing (") + hint + u')')) + u'\n';
    text += QStringLiteral("  package: ")
        + (siteFound ? QString(paths.site + QStringLiteral("/reprise"))
                     : QString(QStringLiteral("missing (") + hint + u')'))
        + u'\n';
    text += u'\n';
    if (siteFound) {
        text += paths.systemPython ? QStringLiteral("System Python (Debian's python3 imports it as installed):\n")
                                   : QStringLiteral("System Python (the package's folder on PYTHONPATH):\n");
        text += QStringLiteral("  ") + c.system + QStringLiteral("\n\n");
    }
    if (wheelFound) {
        text += QStringLiteral("A virtual environment (offline):\n  ") + c.venv + QStringLiteral("\n\n");
        text += QStringLiteral("A conda environment ENV (offline):\n  ") + c.conda + QStringLiteral("\n\n");
        text += QStringLiteral("A container image: in its Dockerfile\n");
        for (const QString& line : c.dockerfile)
            text += QStringLiteral("  ") + line + u'\n';
        text += QStringLiteral("built with the wheel copied beside it:\n  ") + c.containerBuild + QStringLiteral("\n");
        text += QStringLiteral("run with its runs recorded where this program reads them:\n  ") + c.containerRun
            + QStringLiteral("\n\n");
    }
    text += QStringLiteral("In the script: import reprise; with reprise.start_run(project=\"P\") as run: ...\n"
                           "Runs go to $REPRISE_DB, else ~/.local/share/reprise/runs.db (see `reprise --help`).\n");
    printOut(text);
    return Ok;
}

} // namespace reprise::cli
