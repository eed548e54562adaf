#include "bundle_actions.h"

#include "bundle/run_bundle.h"
#include "store/run_store.h"
#include "text/display_text.h"

#include <QAction>
#include <QCoreApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QtConcurrent>

namespace reprise {

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
    connect(m_export, &QAction::triggered, this, &BundleActions::exportBundle);
    connect(m_open, &QAction::triggered, this, &BundleActions::openBundle);
}

void BundleActions::exportBundle()
{
    const QStringList runs = m_selectedRuns();
    const QString database = m_database();
    if (runs.size() != 1 || database.isEmpty()) {
        Q_EMIT message(tr("Export Reproduction Bundle: select one run"));
        return;
    }
    const QString file = QFileDialog::getSaveFileName(m_window, tr("Export Reproduction Bundle"),
        QDir::homePath() + u'/' + runs.first().left(8) + QStringLiteral(".reprise.tar"), tr("Bundles (*.tar)"));
    if (file.isEmpty())
        return;
    Q_EMIT message(tr("Writing the bundle of run %1…").arg(runs.first().left(8)));
    QtConcurrent::run([database, id = runs.first(), file]() -> QString {
        auto store = RunStore::open(database, OpenMode::ReadOnly);
        if (!store)
            return store.error().message;
        auto written = writeRunBundle(*store, id, file);
        if (!written)
            return written.error().message;
        return tr("Bundle written: %1 (%2, %3 metrics)").arg(written->file, written->code).arg(written->metrics);
    }).then(this, [this](const QString& text) { Q_EMIT message(visibleText(text)); });
}

void BundleActions::openBundle()
{
    const QString file = QFileDialog::getOpenFileName(
        m_window, tr("Open a Bundle"), QDir::homePath(), tr("Bundles (*.tar);;All files (*)"));
    const QString database = m_database();
    if (file.isEmpty())
        return;
    QtConcurrent::run([file] {
        return openRunBundle(file);
    }).then(this, [this, file, database](Result<RunBundle> bundle) {
        if (!bundle) {
            QMessageBox box(QMessageBox::Warning, tr("Open a Bundle"), visibleText(bundle.error().text()),
                QMessageBox::Close, m_window);
            box.setTextFormat(Qt::PlainText);
            box.exec();
            return;
        }
        // The draft in full, as plain text: nothing of the bundle has run, nothing is unpacked yet.
        const RunRecord& r = bundle->record;
        QString text = tr("Rerun run %1 (%2/%3) from %4?\n\n").arg(r.uuid.left(8), r.project, r.name, file);
        text += tr("Command: %1\n").arg(displayCommand(r.launch.argv));
        text += tr("Code: commit %1 from the bundle (%2), unpacked into a fresh folder\n")
                    .arg(r.code.commit.left(10), bundle->codeKind);
        if (!r.code.patch.isEmpty())
            text += tr("Uncommitted changes applied: %1\n").arg(summarizePatch(r.code.patch).text());
        for (auto it = r.launch.environment.begin(); it != r.launch.environment.end(); ++it)
            text += tr("Environment: %1=%2%3\n")
                        .arg(it.key(), *it, isSensitiveVariable(it.key()) ? tr("  (held back)") : QString());
        for (auto it = r.params.begin(); it != r.params.end(); ++it)
            text += tr("Param: %1=%2\n").arg(it.key(), it->value);
        text
            += tr("\nRecorded in: %1\nA bundle is untrusted: read the command above before you confirm.").arg(database);
        QMessageBox box(QMessageBox::Question, tr("Open a Bundle"), visibleText(text, LineBreaks::Keep),
            QMessageBox::NoButton, m_window);
        box.setTextFormat(Qt::PlainText);
        QPushButton* run = box.addButton(tr("Rerun"), QMessageBox::AcceptRole);
        box.addButton(QMessageBox::Cancel);
        box.setDefaultButton(QMessageBox::Cancel);
        box.exec();
        if (box.clickedButton() != static_cast<QAbstractButton*>(run))
            return;
        const bool started = QProcess::startDetached(QCoreApplication::applicationFilePath(),
            { QStringLiteral("rerun"), QStringLiteral("--bundle"), file, QStringLiteral("--db"), database,
                QStringLiteral("--yes") });
        Q_EMIT message(started ? tr("Rerun from the bundle started; it appears in the run table when it records")
                               : tr("Could not start the rerun from the bundle"));
    });
}

} // namespace reprise
