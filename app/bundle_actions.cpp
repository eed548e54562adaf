#include "bundle_actions.h"

#include "bundle/run_bundle.h"
#include "cli/cli_common.h"
#include "files/file_dialogs.h"
#include "rerun/rerun_dialog.h"
#include "store/run_store.h"
#include "text/display_text.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QStandardPaths>
#include <QtConcurrent>

namespace reprise {

namespace {

    /// A bundle read off the GUI thread, with its rerun's draft.
    struct LoadedBundle {
        std::optional<RerunDraft> draft;
        QString code; ///< where the code comes from, for the draft
        QString error;
    };

    /// What `reprise rerun --bundle` unpacks into: a fresh folder named like this, made when it runs.
    QString futureCodeRoot(const RunBundle& bundle)
    {
        return QDir::tempPath() + QStringLiteral("/reprise-bundle-XXXXXX/") + bundle.codeName;
    }

    LoadedBundle loadBundle(const QString& file, const QString& target)
    {
        LoadedBundle out;
        auto bundle = openRunBundle(file);
        if (!bundle) {
            out.error = bundle.error().text();
            return out;
        }
        const QString codeRoot = futureCodeRoot(*bundle);
        out.draft = makeBundleDraft(*bundle, target, codeRoot, {});
        out.code = bundleCodeSummary(*bundle, codeRoot);
        return out;
    }

    /// Where a bundle's rerun is recorded: the current database when it is one of the user's that
    /// can be written (not another tracker's data read into a cache), else the default database.
    QString rerunTarget(const QString& database)
    {
        const QFileInfo info(database);
        const QString caches
            = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation) + QStringLiteral("/reprise/");
        if (!database.isEmpty() && info.isFile() && info.isWritable() && QFileInfo(info.absolutePath()).isWritable()
            && !info.absoluteFilePath().startsWith(caches))
            return info.absoluteFilePath();
        return QFileInfo(cli::defaultDatabasePath()).absoluteFilePath();
    }

    /// The checks `reprise rerun --bundle --json` made (interpreter, packages, inputs), in one line.
    QString checksLine(const QJsonObject& result)
    {
        QStringList differs;
        int checked = 0;
        for (const QString& part : { QStringLiteral("runtime"), QStringLiteral("inputs") }) {
            for (const QJsonValue& value : result.value(part).toArray()) {
                const QJsonObject check = value.toObject();
                ++checked;
                if (check.value(QStringLiteral("same")).toBool())
                    continue;
                const QString here = check.value(QStringLiteral("here")).toString();
                differs << QCoreApplication::translate("reprise::BundleActions", "%1 (recorded %2, here %3)")
                               .arg(check.value(QStringLiteral("what")).toString(),
                                   check.value(QStringLiteral("recorded")).toString(),
                                   here.isEmpty() ? QCoreApplication::translate("reprise::BundleActions", "missing")
                                                  : here);
            }
        }
        if (checked == 0)
            return {};
        if (differs.isEmpty())
            return QCoreApplication::translate(
                "reprise::BundleActions", "Interpreter, packages and inputs as recorded (%1 checked).")
                .arg(checked);
        const qsizetype more = differs.size() - 3;
        if (more > 0)
            differs = differs.mid(0, 3) << QCoreApplication::translate("reprise::BundleActions", "%1 more").arg(more);
        return QCoreApplication::translate("reprise::BundleActions", "Differs from what was recorded: %1.")
            .arg(differs.join(QStringLiteral(", ")));
    }

} // namespace

BundleActions::BundleActions(
    QWidget* window, std::function<QStringList()> selectedRuns, std::function<QString()> database)
    : QObject(window)
    , m_window(window)
    , m_selectedRuns(std::move(selectedRuns))
    , m_database(std::move(database))
    , m_export(new QAction(tr("Export Reproduction &Bundle…"), this))
    , m_open(new QAction(tr("Open a &Bundle…"), this))
{
    m_export->setToolTip(tr("Write the selected run, its code and what it needs into one file that reruns elsewhere"));
    m_open->setToolTip(tr("Rerun a run from a reproduction bundle: its draft is shown before anything runs"));
    connect(m_export, &QAction::triggered, this, &BundleActions::chooseAndExport);
    connect(m_open, &QAction::triggered, this, &BundleActions::chooseAndOpen);
}

void BundleActions::chooseAndExport()
{
    const QStringList runs = m_selectedRuns();
    const QString database = m_database();
    if (runs.size() != 1) {
        Q_EMIT message(tr("Export Reproduction Bundle: select one run"));
        return;
    }
    if (!QFileInfo(database).isFile()) {
        Q_EMIT message(tr("Export Reproduction Bundle: the database of run %1 is not known here; show its source "
                          "on its own and export again")
                           .arg(runs.first().left(8)));
        return;
    }
    const QString file = chooseSaveFile(m_window, tr("Export Reproduction Bundle"),
        QDir::homePath() + u'/' + runs.first().left(8) + QStringLiteral(".reprise.tar"),
        tr("Bundles (*.tar);;All files (*)"));
    if (!file.isEmpty())
        exportBundle(database, runs.first(), file);
}

void BundleActions::exportBundle(const QString& database, const QString& runId, const QString& file)
{
    struct Written {
        QString text;
        QString error;
    };
    Q_EMIT message(tr("Writing the bundle of run %1…").arg(runId.left(8)));
    QtConcurrent::run([database, runId, file]() -> Written {
        auto store = RunStore::open(database, OpenMode::ReadOnly);
        if (!store)
            return { {}, store.error().text() };
        auto written = writeRunBundle(*store, runId, file);
        if (!written)
            return { {}, written.error().text() };
        return { tr("Bundle written: %1 (%2, %3 metrics)").arg(written->file, written->code).arg(written->metrics),
            {} };
    }).then(this, [this, file](const Written& written) {
        Q_EMIT message(visibleText(written.error.isEmpty() ? written.text : tr("No bundle written: ") + written.error));
        Q_EMIT exported(file, written.error);
    });
}

void BundleActions::chooseAndOpen()
{
    if (m_dialog) {
        m_dialog->raise();
        return;
    }
    const QString file
        = chooseOpenFile(m_window, tr("Open a Bundle"), QDir::homePath(), tr("Bundles (*.tar);;All files (*)"));
    if (!file.isEmpty())
        openBundle(file);
}

void BundleActions::openBundle(const QString& file)
{
    const QString target = rerunTarget(m_database());
    Q_EMIT message(tr("Checking the bundle %1…").arg(visibleText(QFileInfo(file).fileName())));
    QtConcurrent::run(loadBundle, file, target).then(this, [this, file, target](const LoadedBundle& loaded) {
        if (!loaded.draft) {
            const QString text = visibleText(loaded.error, LineBreaks::Keep);
            auto* box = new QMessageBox(QMessageBox::Warning, tr("Open a Bundle"), text, QMessageBox::Close, m_window);
            box->setTextFormat(Qt::PlainText);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
            Q_EMIT message(tr("The bundle was refused; nothing of it was unpacked or run"));
            Q_EMIT refused(loaded.error);
            return;
        }
        if (m_dialog) {
            m_dialog->raise();
            return;
        }
        // Nothing of the bundle is unpacked or run yet: the draft is read from it, and the code's
        // place is the fresh folder `reprise rerun --bundle` makes once the user runs it.
        m_dialog = new RerunDialog(*loaded.draft, {}, m_window);
        m_dialog->setAttribute(Qt::WA_DeleteOnClose);
        m_dialog->setWindowTitle(tr("Rerun from a Bundle"));
        m_dialog->setCodeFixed(tr("The bundle's commit, unpacked into a fresh folder"), loaded.code);
        m_dialog->runButton()->setText(tr("Rerun"));
        connect(m_dialog, &QDialog::accepted, this,
            [this, file, target, heldBack = loaded.draft->heldBack] { startRerun(file, target, *m_dialog, heldBack); });
        m_dialog->open();
        Q_EMIT dialogShown(m_dialog);
    });
}

void BundleActions::startRerun(
    const QString& file, const QString& target, const RerunDialog& dialog, const QSet<QString>& heldBackAtFirst)
{
    const RerunDraft draft = dialog.draft();
    QStringList args { QStringLiteral("rerun"), QStringLiteral("--bundle"), file, QStringLiteral("--db"), target,
        QStringLiteral("--yes"), QStringLiteral("--json") };
    QStringList notHeld;
    for (const QString& name : std::as_const(draft.heldBack))
        if (!heldBackAtFirst.contains(name))
            notHeld << name;
    if (!notHeld.isEmpty()) {
        // `reprise rerun --bundle` holds back only the variables that change which code runs.
        notHeld.sort();
        const QString error = tr("Rerun from the bundle not started: a rerun from a bundle gets every recorded "
                                 "variable that does not change which code runs; tick %1 again, or rerun from the "
                                 "command line")
                                  .arg(visibleText(notHeld.join(QStringLiteral(", "))));
        Q_EMIT message(error);
        Q_EMIT rerunStarted({}, error);
        return;
    }
    QStringList allowed;
    for (const QString& name : heldBackAtFirst)
        if (!draft.heldBack.contains(name))
            allowed << name;
    allowed.sort();
    for (const QString& name : std::as_const(allowed))
        args << QStringLiteral("--allow-env") << name;
    const QMap<QString, ParamValue> edited = draft.editedParams();
    for (auto it = edited.begin(); it != edited.end(); ++it)
        args << QStringLiteral("--set") << it.key() + u'=' + it->value;

    // A short process: it checks and unpacks the bundle, compares the interpreter, packages and
    // inputs, starts the rerun in the background and says which run it records.
    auto* process = new QProcess(this);
    process->setProgram(m_program.isEmpty() ? QCoreApplication::applicationFilePath() : m_program);
    process->setArguments(args);
    process->setStandardInputFile(QProcess::nullDevice());
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        const QString text = tr("Could not start the rerun from the bundle: %1").arg(process->errorString());
        Q_EMIT message(text);
        Q_EMIT rerunStarted({}, text);
        process->deleteLater();
    });
    connect(process, &QProcess::finished, this, [this, process](int exitCode, QProcess::ExitStatus status) {
        process->deleteLater();
        const QJsonObject result = QJsonDocument::fromJson(process->readAllStandardOutput()).object();
        const QString runId = result.value(QStringLiteral("run")).toString();
        if (status != QProcess::NormalExit || exitCode != 0 || runId.isEmpty()) {
            const QString err = QString::fromUtf8(process->readAllStandardError()).trimmed();
            const QString text = tr("Rerun from the bundle not started: %1")
                                     .arg(err.isEmpty() ? tr("reprise rerun --bundle ended with code %1").arg(exitCode)
                                                        : visibleText(err, LineBreaks::Keep));
            Q_EMIT message(visibleText(text));
            auto* box = new QMessageBox(QMessageBox::Warning, tr("Open a Bundle"), text, QMessageBox::Close, m_window);
            box->setTextFormat(Qt::PlainText);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
            Q_EMIT rerunStarted({}, text);
            return;
        }
        Q_EMIT message(visibleText(tr("Rerun from the bundle started as run %1; it appears in the run table when it "
                                      "records. %2")
                                       .arg(runId.left(8), checksLine(result))
                                       .trimmed()));
        Q_EMIT rerunStarted(runId, {});
    });
    Q_EMIT message(tr("Starting the rerun from the bundle…"));
    process->start();
}

} // namespace reprise
