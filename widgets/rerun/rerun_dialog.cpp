#include "rerun/rerun_dialog.h"

#include "rerun/compact_table.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
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
    , m_confirm(new QCheckBox(tr("I have read the command, working directory and environment above, and want to run "
                                 "them"),
          this))
    , m_command(new QPlainTextEdit(this))
    , m_workingDir(new QLineEdit(this))
    , m_chooseDir(new QPushButton(tr("Choose…"), this))
    , m_mode(new QComboBox(this))
    , m_code(new QLabel(this))
    , m_target(new QLabel(this))
    , m_environment(makeCompactTable({ tr("Variable"), tr("Value") }, this))
    , m_params(makeCompactTable({ tr("Param"), tr("Recorded"), tr("Rerun with") }, this))
    , m_resetParams(new QPushButton(tr("Reset Params"), this))
    , m_problemBox(new QWidget(this))
    , m_problemLayout(new QVBoxLayout(m_problemBox))
    , m_run(new QPushButton(tr("Run"), this))
{
    setWindowTitle(tr("Rerun"));
    resize(860, 720);
    // Everything from the database is shown as plain text: a run name is never markup.
    for (QLabel* label : { m_title, m_untrusted, m_code, m_target })
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
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this] {
        m_draft.mode = CodeMode(m_mode->currentData().toInt());
        recheck();
    });
    connect(m_chooseDir, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Working Directory"), m_draft.workingDir);
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
                         .arg(m_draft.originalName.isEmpty() ? tr("unnamed run") : m_draft.originalName,
                             m_draft.originalId.left(8), m_draft.project));
    m_untrusted->setVisible(m_draft.untrusted);
    m_confirm->setVisible(m_draft.untrusted);
    m_untrusted->setText(tr("This database is an untrusted, shared source: %1. Running its command executes "
                            "whatever it says. Check the exact command, working directory and environment "
                            "(highlighted variables change which code runs) before you confirm.")
                             .arg(m_draft.trustReason));
    m_command->setPlainText(displayCommand(m_draft.argv));
    m_workingDir->setText(m_draft.workingDir);
    m_code->setText(m_draft.codeSummary());
    m_target->setText(m_draft.target);

    m_environment->setRowCount(0);
    for (auto it = m_draft.environment.begin(); it != m_draft.environment.end(); ++it) {
        const int row = m_environment->rowCount();
        m_environment->insertRow(row);
        auto* name = readOnlyItem(it.key());
        auto* value = readOnlyItem(*it);
        value->setToolTip(*it);
        if (isSensitiveVariable(it.key())) {
            QFont bold = name->font();
            bold.setBold(true);
            for (QTableWidgetItem* item : { name, value }) {
                item->setFont(bold);
                item->setForeground(kWarning);
            }
            name->setText(QStringLiteral("⚠ ") + it.key());
            name->setToolTip(tr("Changes which programs, libraries or modules run"));
        }
        m_environment->setItem(row, 0, name);
        m_environment->setItem(row, 1, value);
    }
    m_environment->resizeColumnToContents(0);

    const QSignalBlocker block(m_params);
    m_params->setRowCount(0);
    const auto edited = m_draft.editedParams();
    for (auto it = m_draft.params.begin(); it != m_draft.params.end(); ++it) {
        const int row = m_params->rowCount();
        m_params->insertRow(row);
        auto* key = readOnlyItem(it.key());
        key->setData(Qt::UserRole, it.key());
        auto* recorded = readOnlyItem(m_draft.recordedParams.value(it.key()).value);
        auto* value = new QTableWidgetItem(it->value);
        value->setToolTip(tr("Type: %1").arg(it->type));
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
        auto* text = new QLabel(problem.message + u'\n' + problem.hint, row);
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
