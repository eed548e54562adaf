#include "rerun/rerun_dialog.h"

#include "files/file_dialogs.h"
#include "rerun/compact_table.h"
#include "text/display_text.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace reprise {

namespace {

    const QColor kWarning(0xc2, 0x57, 0x00); // readable on light and dark backgrounds

    QTableWidgetItem* readOnlyItem(const QString& text)
    {
        auto* item = new QTableWidgetItem(text);
        item->setFlags(item->flags() & ~Qt::ItemIsEditable);
        return item;
    }

    struct Checked {
        RerunDraft draft;
        QList<DraftProblem> problems;
    };

} // namespace

RerunDialog::RerunDialog(const RerunDraft& draft, const QList<DraftProblem>& problems, QWidget* parent)
    : QDialog(parent)
    , m_draft(draft)
    , m_problems(problems)
    , m_title(new QLabel(this))
    , m_untrusted(new QLabel(this))
    , m_confirm(new QCheckBox(tr("I have read the command, working directory, environment and patch above, and want "
                                 "to run them"),
          this))
    , m_command(new QPlainTextEdit(this))
    , m_workingDir(new QLineEdit(this))
    , m_chooseDir(new QPushButton(tr("Choose…"), this))
    , m_mode(new QComboBox(this))
    , m_code(new QLabel(this))
    , m_target(new QLabel(this))
    , m_patchSummary(new QLabel(this))
    , m_showPatch(new QPushButton(tr("Show Patch"), this))
    , m_patch(new QPlainTextEdit(this))
    , m_environment(makeCompactTable({ tr("Apply"), tr("Variable"), tr("Value") }, this))
    , m_params(makeCompactTable({ tr("Param"), tr("Recorded"), tr("Rerun with") }, this))
    , m_resetParams(new QPushButton(tr("Reset Params"), this))
    , m_problemBox(new QWidget(this))
    , m_problemLayout(new QVBoxLayout(m_problemBox))
    , m_run(new QPushButton(tr("Run"), this))
{
    setWindowTitle(tr("Rerun"));
    resize(860, 720);
    // Everything from the database is shown as plain text: a run name is never markup.
    for (QLabel* label : { m_title, m_untrusted, m_code, m_target, m_patchSummary })
        label->setTextFormat(Qt::PlainText);
    QFont title = m_title->font();
    title.setBold(true);
    title.setPointSizeF(title.pointSizeF() * 1.2);
    m_title->setFont(title);
    m_untrusted->setWordWrap(true);
    m_untrusted->setStyleSheet(
        QStringLiteral("background: #fdecea; color: #611a15; padding: 6px; border-radius: 3px;"));
    m_untrusted->setAccessibleName(tr("Untrusted source"));

    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_command->setReadOnly(true);
    m_command->setFont(mono);
    m_command->setMaximumHeight(64);
    m_command->setToolTip(tr("Executed as this argument vector, directly — never through a shell"));
    m_command->setAccessibleName(tr("Command"));
    m_workingDir->setReadOnly(true);
    m_workingDir->setFont(mono);
    m_workingDir->setAccessibleName(tr("Working directory"));
    m_code->setWordWrap(true);
    m_patchSummary->setWordWrap(true);
    m_patchSummary->setAccessibleName(tr("Recorded patch"));
    m_showPatch->setCheckable(true);
    m_patch->setReadOnly(true);
    m_patch->setFont(mono);
    m_patch->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_patch->setAccessibleName(tr("Recorded patch, in full"));
    m_patch->setMinimumHeight(120);
    m_mode->addItem(tr("Automatic: recorded commit in a worktree when HEAD moved"), int(CodeMode::Auto));
    m_mode->addItem(tr("Recorded commit, in a temporary worktree"), int(CodeMode::AtCommit));
    m_mode->addItem(tr("Current working tree, in place"), int(CodeMode::InPlace));
    m_mode->setCurrentIndex(m_mode->findData(int(m_draft.mode)));
    m_mode->setAccessibleName(tr("Code version"));
    m_environment->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_environment->setAccessibleName(tr("Environment overrides"));
    m_params->setAccessibleName(tr("Params"));
    m_problemLayout->setContentsMargins(0, 0, 0, 0);

    auto* dirRow = new QHBoxLayout;
    dirRow->addWidget(m_workingDir, 1);
    dirRow->addWidget(m_chooseDir);
    auto* form = new QFormLayout;
    form->addRow(tr("Command"), m_command);
    form->addRow(tr("Working dir"), dirRow);
    form->addRow(tr("Code"), m_mode);
    form->addRow(QString(), m_code);
    auto* patchRow = new QHBoxLayout;
    patchRow->addWidget(m_patchSummary, 1);
    patchRow->addWidget(m_showPatch);
    form->addRow(tr("Patch"), patchRow);
    form->addRow(QString(), m_patch);
    form->addRow(tr("Recorded in"), m_target);

    auto* paramsHeader = new QHBoxLayout;
    paramsHeader->addWidget(new QLabel(tr("Params (double-click a value to edit it)"), this), 1);
    paramsHeader->addWidget(m_resetParams);

    auto* buttons = new QDialogButtonBox(this);
    buttons->addButton(m_run, QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    m_run->setDefault(true);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_untrusted);
    layout->addWidget(m_confirm);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Environment overrides (applied over Reprise's own environment)"), this));
    layout->addWidget(m_environment, 1);
    layout->addLayout(paramsHeader);
    layout->addWidget(m_params, 2);
    layout->addWidget(m_problemBox);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_confirm, &QCheckBox::toggled, this, &RerunDialog::updateRunButton);
    connect(m_showPatch, &QPushButton::toggled, m_patch, &QWidget::setVisible);
    connect(m_environment, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (item->column() != 0)
            return;
        const QString name = item->data(Qt::UserRole).toString();
        if (item->checkState() == Qt::Checked)
            m_draft.heldBack.remove(name);
        else
            m_draft.heldBack.insert(name);
    });
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this] {
        m_draft.mode = CodeMode(m_mode->currentData().toInt());
        recheck();
    });
    connect(m_chooseDir, &QPushButton::clicked, this, [this] {
        const QString dir = reprise::chooseDirectory(this, tr("Working Directory"), m_draft.workingDir);
        if (!dir.isEmpty())
            chooseDirectory(dir);
    });
    connect(m_resetParams, &QPushButton::clicked, this, [this] {
        m_draft.params = m_draft.recordedParams;
        fill();
    });
    connect(m_params, &QTableWidget::cellChanged, this, [this](int row, int column) {
        if (column == 2)
            onParamEdited(row);
    });
    fill();
}

RerunDraft RerunDialog::draft() const { return m_draft; }

QString RerunDialog::commandText() const { return m_command->toPlainText(); }

QString RerunDialog::patchSummaryText() const { return m_patchSummary->text(); }

QString RerunDialog::problemText() const
{
    QStringList lines;
    for (const DraftProblem& p : m_problems)
        lines << p.message + QStringLiteral(" — ") + p.hint;
    return lines.join(u'\n');
}

void RerunDialog::fill()
{
    m_title->setText(tr("Rerun of %1 (%2) in %3")
                         .arg(m_draft.originalName.isEmpty() ? tr("unnamed run") : visibleText(m_draft.originalName),
                             visibleText(m_draft.originalId.left(8)), visibleText(m_draft.project)));
    m_untrusted->setVisible(m_draft.untrusted);
    m_confirm->setVisible(m_draft.untrusted);
    m_untrusted->setText((isCodeFixed() ? tr("This rerun is untrusted: %1. Running its command executes "
                                             "whatever it says. Check the exact command, working directory, "
                                             "environment and the recorded patch before you confirm. Variables "
                                             "that change which code runs are not applied unless you tick them.")
                                        : tr("This database is an untrusted, shared source: %1. Running its command "
                                             "executes whatever it says. Check the exact command, working directory, "
                                             "environment and the recorded patch before you confirm. Variables that "
                                             "change which code runs are not applied unless you tick them."))
                             .arg(visibleText(m_draft.trustReason)));
    m_command->setPlainText(visibleText(displayCommand(m_draft.argv), LineBreaks::Keep));
    m_workingDir->setText(visibleText(m_draft.workingDir));
    m_code->setText(visibleText(isCodeFixed() ? m_fixedCode : m_draft.codeSummary()));
    m_target->setText(visibleText(m_draft.target));
    fillPatch();

    const QSignalBlocker blockEnvironment(m_environment);
    m_environment->setRowCount(0);
    for (auto it = m_draft.environment.begin(); it != m_draft.environment.end(); ++it) {
        const int row = m_environment->rowCount();
        m_environment->insertRow(row);
        auto* apply = new QTableWidgetItem;
        apply->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        apply->setCheckState(m_draft.heldBack.contains(it.key()) ? Qt::Unchecked : Qt::Checked);
        apply->setData(Qt::UserRole, it.key());
        apply->setToolTip(tr("Ticked: the rerun gets this variable"));
        auto* name = readOnlyItem(visibleText(it.key()));
        auto* value = readOnlyItem(visibleText(*it));
        value->setToolTip(plainToolTip(visibleText(*it)));
        if (isSensitiveVariable(it.key())) {
            QFont bold = name->font();
            bold.setBold(true);
            for (QTableWidgetItem* item : { name, value }) {
                item->setFont(bold);
                item->setForeground(kWarning);
            }
            name->setText(QStringLiteral("⚠ ") + visibleText(it.key()));
            name->setToolTip(tr("Changes which programs, libraries or modules run"));
        }
        m_environment->setItem(row, 0, apply);
        m_environment->setItem(row, 1, name);
        m_environment->setItem(row, 2, value);
    }
    m_environment->resizeColumnToContents(0);
    m_environment->resizeColumnToContents(1);

    const QSignalBlocker block(m_params);
    m_params->setRowCount(0);
    const auto edited = m_draft.editedParams();
    for (auto it = m_draft.params.begin(); it != m_draft.params.end(); ++it) {
        const int row = m_params->rowCount();
        m_params->insertRow(row);
        auto* key = readOnlyItem(visibleText(it.key()));
        key->setData(Qt::UserRole, it.key());
        auto* recorded = readOnlyItem(visibleText(m_draft.recordedParams.value(it.key()).value));
        auto* value = new QTableWidgetItem(it->value);
        value->setToolTip(plainToolTip(tr("Type: %1").arg(it->type)));
        if (edited.contains(it.key())) {
            QFont bold = value->font();
            bold.setBold(true);
            value->setFont(bold);
            key->setFont(bold);
            value->setForeground(kWarning);
        }
        m_params->setItem(row, 0, key);
        m_params->setItem(row, 1, recorded);
        m_params->setItem(row, 2, value);
    }
    m_params->resizeColumnToContents(0);
    m_resetParams->setEnabled(!edited.isEmpty());
    fillProblems();
}

void RerunDialog::fillPatch()
{
    const QString& patch = m_draft.code.patch;
    const PatchSummary summary = summarizePatch(patch);
    if (patch.isEmpty()) {
        m_patchSummary->setText(tr("No uncommitted changes were recorded."));
    } else {
        QStringList files;
        for (const PatchSummary::File& file : summary.files)
            files << tr("%1 (+%2 \u2212%3%4)")
                         .arg(visibleText(file.path))
                         .arg(file.added)
                         .arg(file.removed)
                         .arg(file.binary ? tr(", binary") : QString());
        m_patchSummary->setText(tr("Uncommitted changes recorded with the run, %1 before it runs: %2 — %3")
                                    .arg(m_draft.runsInWorktree() || isCodeFixed() ? tr("applied to the commit")
                                                                                   : tr("not applied (in place)"),
                                        summary.text(), files.join(QStringLiteral(", "))));
    }
    m_patch->setPlainText(visibleText(patch, LineBreaks::Keep));
    m_showPatch->setVisible(!patch.isEmpty());
    // From an untrusted source the patch is code about to run: shown without asking.
    if (m_draft.untrusted && !patch.isEmpty())
        m_showPatch->setChecked(true);
    m_patch->setVisible(!patch.isEmpty() && m_showPatch->isChecked());
}

void RerunDialog::fillProblems()
{
    while (QLayoutItem* item = m_problemLayout->takeAt(0)) {
        delete item->widget();
        delete item->layout();
        delete item;
    }
    if (m_checking) {
        m_problemLayout->addWidget(new QLabel(tr("Checking the code version…"), m_problemBox));
    }
    for (const DraftProblem& problem : std::as_const(m_problems)) {
        auto* row = new QWidget(m_problemBox);
        auto* rowLayout = new QHBoxLayout(row);
        rowLayout->setContentsMargins(0, 0, 0, 0);
        auto* text = new QLabel(visibleText(problem.message) + u'\n' + visibleText(problem.hint), row);
        text->setTextFormat(Qt::PlainText);
        text->setWordWrap(true);
        text->setStyleSheet(QStringLiteral("background: #fdecea; color: #611a15; padding: 6px; border-radius: 3px;"));
        text->setAccessibleName(tr("Problem"));
        rowLayout->addWidget(text, 1);
        if (problem.fix == DraftProblem::Fix::ChooseDirectory) {
            auto* fix = new QPushButton(tr("Choose Directory…"), row);
            connect(fix, &QPushButton::clicked, m_chooseDir, &QPushButton::click);
            rowLayout->addWidget(fix);
        } else if (problem.fix == DraftProblem::Fix::RunInPlace) {
            auto* fix = new QPushButton(tr("Run In Place"), row);
            connect(fix, &QPushButton::clicked, this,
                [this] { m_mode->setCurrentIndex(m_mode->findData(int(CodeMode::InPlace))); });
            rowLayout->addWidget(fix);
        }
        m_problemLayout->addWidget(row);
    }
    m_problemBox->setVisible(m_checking || !m_problems.isEmpty());
    updateRunButton();
}

void RerunDialog::chooseDirectory(const QString& directory) { recheck(directory); }

void RerunDialog::setCodeFixed(const QString& choice, const QString& summary)
{
    m_fixedCode = summary.isEmpty() ? choice : summary;
    {
        // One choice, shown and not changeable: no recheck of a mode that does not apply.
        const QSignalBlocker block(m_mode);
        m_mode->clear();
        m_mode->addItem(choice, int(m_draft.mode));
        m_mode->setEnabled(false);
    }
    m_chooseDir->setEnabled(false);
    m_chooseDir->setToolTip(tr("The working directory is in the code unpacked for this rerun"));
    fill();
}

void RerunDialog::recheck(const QString& directory)
{
    m_checking = true;
    const quint64 generation = ++m_generation;
    fillProblems();
    // git answers whether the commit is there and the patch applies: not on the GUI thread.
    QtConcurrent::run([draft = m_draft, directory] {
        Checked result { draft, {} };
        if (!directory.isEmpty())
            chooseWorkingDir(result.draft, directory);
        result.problems = checkRerunDraft(result.draft);
        return result;
    }).then(this, [this, generation](const Checked& result) {
        if (generation != m_generation)
            return;
        m_checking = false;
        // Keep the params edited meanwhile; take the checked directory and code state.
        const QMap<QString, ParamValue> params = m_draft.params;
        const CodeMode mode = m_draft.mode;
        m_draft = result.draft;
        m_draft.params = params;
        m_draft.mode = mode;
        m_problems = result.problems;
        fill();
        Q_EMIT checked();
    });
}

void RerunDialog::updateRunButton()
{
    const bool confirmed = !m_draft.untrusted || m_confirm->isChecked();
    m_run->setEnabled(!m_checking && m_problems.isEmpty() && confirmed);
    m_run->setToolTip(m_checking    ? tr("Checking…")
            : !m_problems.isEmpty() ? tr("Resolve the problems listed above first")
            : !confirmed            ? tr("Confirm that you have read the command of this untrusted source")
                                    : tr("Queue the rerun; reruns run one at a time"));
}

void RerunDialog::onParamEdited(int row)
{
    const QString key = m_params->item(row, 0)->data(Qt::UserRole).toString();
    const QString text = m_params->item(row, 2)->text();
    (void)applyParamEdit(m_draft, key + u'=' + text);
    QTimer::singleShot(0, this, &RerunDialog::fill); // not inside the table's own signal
}

} // namespace reprise
