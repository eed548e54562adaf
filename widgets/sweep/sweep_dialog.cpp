#include "sweep/sweep_dialog.h"

#include "text/display_text.h"
#include "when_finished.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace reprise {

namespace {

    enum Column { ParamColumn, RecordedColumn, SweepColumn };

    bool isRandom(const QString& text)
    {
        return text.startsWith(QLatin1String("uniform:")) || text.startsWith(QLatin1String("loguniform:"))
            || text.startsWith(QLatin1String("choice:"));
    }

    QTableWidgetItem* readOnlyItem(const QString& text)
    {
        auto* item = new QTableWidgetItem(text);
        item->setFlags(item->flags() & ~Qt::ItemIsEditable);
        return item;
    }

    /// What runs, for people: command, working dir, environment (held-back overrides marked).
    QString draftSummary(const RerunDraft& draft)
    {
        QString text = QStringLiteral("command:      ") + visibleText(displayCommand(draft.argv)) + u'\n'
            + QStringLiteral("working dir:  ") + visibleText(draft.workingDir) + u'\n'
            + QStringLiteral("recorded in:  ") + visibleText(draft.target) + u'\n';
        for (auto it = draft.environment.begin(); it != draft.environment.end(); ++it) {
            text += QStringLiteral("environment:  ") + visibleText(it.key()) + u'=' + visibleText(*it);
            if (draft.heldBack.contains(it.key()))
                text += QStringLiteral("   (NOT applied: changes which code runs)");
            text += u'\n';
        }
        if (!draft.code.patch.isEmpty())
            text += QStringLiteral("patch:        ") + summarizePatch(draft.code.patch).text()
                + QStringLiteral(" (shown in full by Runs ▸ Rerun…)\n");
        return text;
    }

} // namespace

SweepDialog::SweepDialog(const RerunDraft& base, const QList<DraftProblem>& problems, QWidget* parent)
    : QDialog(parent)
    , m_base(base)
    , m_problems(problems)
{
    setWindowTitle(tr("Sweep"));
    m_plan.id = newSweepId();
    auto* layout = new QVBoxLayout(this);
    auto* title = new QLabel(
        tr("Sweep around run %1 (%2 / %3): every member is a rerun of it with the params below.")
            .arg(visibleText(base.originalId.left(8)), visibleText(base.project), visibleText(base.originalName)));
    title->setTextFormat(Qt::PlainText);
    title->setWordWrap(true);
    layout->addWidget(title);

    m_command = new QPlainTextEdit(draftSummary(base));
    m_command->setReadOnly(true);
    m_command->setMaximumHeight(110);
    m_command->setLineWrapMode(QPlainTextEdit::NoWrap);
    layout->addWidget(m_command);
    m_code = new QLabel(visibleText(base.codeSummary()));
    m_code->setTextFormat(Qt::PlainText);
    m_code->setWordWrap(true);
    layout->addWidget(m_code);

    m_untrusted = new QLabel(tr("Untrusted source: %1. Read the command and environment before running.")
                                 .arg(visibleText(base.trustReason)));
    m_untrusted->setTextFormat(Qt::PlainText);
    m_untrusted->setWordWrap(true);
    m_untrusted->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_confirmTrust = new QCheckBox(tr("I have read the command, environment and patch, and want every member to run"));
    m_untrusted->setVisible(base.untrusted);
    m_confirmTrust->setVisible(base.untrusted);
    layout->addWidget(m_untrusted);
    layout->addWidget(m_confirmTrust);
    m_problemLabel = new QLabel;
    m_problemLabel->setTextFormat(Qt::PlainText);
    m_problemLabel->setWordWrap(true);
    m_problemLabel->setStyleSheet(QStringLiteral("color: #b00020;"));
    layout->addWidget(m_problemLabel);

    auto* help = new QLabel(tr("Sweep a param with a list of values (0.001,0.01,0.1: every combination of the lists "
                               "runs) or a distribution drawn per member: uniform:A:B, loguniform:A:B, choice:V1,V2."));
    help->setWordWrap(true);
    layout->addWidget(help);
    m_params = new QTableWidget(int(base.params.size()), 3);
    m_params->setHorizontalHeaderLabels({ tr("Param"), tr("Recorded"), tr("Sweep") });
    m_params->horizontalHeader()->setStretchLastSection(true);
    m_params->verticalHeader()->hide();
    int row = 0;
    for (auto it = base.params.begin(); it != base.params.end(); ++it, ++row) {
        m_params->setItem(row, ParamColumn, readOnlyItem(visibleText(it.key())));
        m_params->item(row, ParamColumn)->setData(Qt::UserRole, it.key());
        m_params->setItem(
            row, RecordedColumn, readOnlyItem(visibleText(it->value) + QStringLiteral("  (") + it->type + u')'));
        m_params->setItem(row, SweepColumn, new QTableWidgetItem);
    }
    layout->addWidget(m_params, 2);

    auto* form = new QFormLayout;
    m_samples = new QSpinBox;
    m_samples->setRange(1, 100000);
    m_samples->setValue(kDefaultSweepSamples);
    m_seed = new QSpinBox;
    m_seed->setRange(0, 1 << 30);
    m_parallel = new QSpinBox;
    m_parallel->setRange(1, 64);
    m_mode = new QComboBox;
    m_mode->addItem(tr("Recorded commit (a worktree when it is not HEAD)"), int(CodeMode::Auto));
    m_mode->addItem(tr("Recorded commit, always in a worktree"), int(CodeMode::AtCommit));
    m_mode->addItem(tr("Current working tree"), int(CodeMode::InPlace));
    m_mode->setCurrentIndex(m_mode->findData(int(base.mode)));
    form->addRow(tr("Draws per grid point:"), m_samples);
    form->addRow(tr("Seed of the draws:"), m_seed);
    form->addRow(tr("Members at once:"), m_parallel);
    form->addRow(tr("Code:"), m_mode);
    layout->addLayout(form);

    m_count = new QLabel;
    m_count->setTextFormat(Qt::PlainText);
    m_error = new QLabel;
    m_error->setTextFormat(Qt::PlainText);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_confirmLarge = new QCheckBox;
    layout->addWidget(m_count);
    layout->addWidget(m_error);
    layout->addWidget(m_confirmLarge);
    m_members = new QTableWidget;
    m_members->verticalHeader()->hide();
    m_members->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_members, 3);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_run = buttons->addButton(tr("Run Sweep"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);

    connect(m_params, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (!m_filling && item->column() == SweepColumn)
            update();
    });
    connect(m_samples, &QSpinBox::valueChanged, this, &SweepDialog::update);
    connect(m_seed, &QSpinBox::valueChanged, this, &SweepDialog::update);
    connect(m_confirmLarge, &QCheckBox::toggled, this, &SweepDialog::updateRunButton);
    connect(m_confirmTrust, &QCheckBox::toggled, this, &SweepDialog::updateRunButton);
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this] {
        // Another code mode may have other problems (git: commit present, patch applies): checked off
        // the GUI thread, Run disabled meanwhile.
        RerunDraft draft = m_base;
        draft.mode = CodeMode(m_mode->currentData().toInt());
        m_code->setText(visibleText(draft.codeSummary()));
        m_problems = { DraftProblem { tr("checking the draft…"), {}, DraftProblem::Fix::None } };
        updateRunButton();
        const quint64 ticket = ++m_generation; // a later change of mode makes this check stale
        whenFinished(QtConcurrent::run([draft] { return checkRerunDraft(draft); }), this,
            [this, ticket, mode = draft.mode](QList<DraftProblem> problems) {
                if (ticket != m_generation || CodeMode(m_mode->currentData().toInt()) != mode)
                    return;
                m_problems = problems;
                update();
            });
    });
    resize(760, 760);
    update();
}

int SweepDialog::parallel() const { return m_parallel->value(); }

QString SweepDialog::errorText() const { return m_error->text(); }

QString SweepDialog::countText() const { return m_count->text(); }

QString SweepDialog::commandText() const { return m_command->toPlainText(); }

void SweepDialog::setSweep(const QString& key, const QString& text)
{
    for (int row = 0; row < m_params->rowCount(); ++row)
        if (m_params->item(row, ParamColumn)->data(Qt::UserRole).toString() == key)
            m_params->item(row, SweepColumn)->setText(text);
}

void SweepDialog::setSamples(int samples) { m_samples->setValue(samples); }

void SweepDialog::setSeed(int seed) { m_seed->setValue(seed); }

void SweepDialog::setParallel(int parallel) { m_parallel->setValue(parallel); }

void SweepDialog::update()
{
    QStringList grid, random;
    for (int row = 0; row < m_params->rowCount(); ++row) {
        const QString text = m_params->item(row, SweepColumn)->text().trimmed();
        if (text.isEmpty())
            continue;
        const QString key = m_params->item(row, ParamColumn)->data(Qt::UserRole).toString();
        (isRandom(text) ? random : grid) << key + u'=' + text;
    }
    m_samples->setEnabled(!random.isEmpty());
    m_valid = false;
    m_plan.members.clear();
    m_plan.base = m_base;
    m_plan.base.mode = CodeMode(m_mode->currentData().toInt());
    QString error;
    if (grid.isEmpty() && random.isEmpty()) {
        error = tr("Type values in the Sweep column of at least one param.");
    } else if (auto spec
               = parseSweepSpec(grid, random, random.isEmpty() ? -1 : m_samples->value(), quint64(m_seed->value()));
               !spec) {
        error = spec.error().text();
    } else {
        m_plan.spec = *spec;
        auto members = expandSweep(m_plan.spec, m_plan.base);
        if (!members) {
            error = members.error().text();
        } else {
            m_plan.members = *members;
            m_valid = true;
        }
    }
    m_error->setText(visibleText(error, LineBreaks::Keep));
    m_error->setVisible(!error.isEmpty());
    const qsizetype size = m_plan.members.size();
    m_count->setText(m_valid
            ? (size == 1 ? tr("1 member, a rerun of this run") : tr("%1 members, each a rerun of this run").arg(size))
            : tr("No members yet"));
    m_confirmLarge->setText(tr("Run all %1 members (over %2)").arg(size).arg(kSweepConfirmAbove));
    m_confirmLarge->setVisible(m_valid && size > kSweepConfirmAbove);

    QStringList header { QStringLiteral("#") };
    for (const SweepAxis& axis : m_plan.spec.axes)
        header << visibleText(axis.key);
    const int rows = m_valid ? int(std::min<qsizetype>(size, kPreviewRows)) : 0;
    m_members->clear();
    m_members->setColumnCount(int(header.size()));
    m_members->setHorizontalHeaderLabels(header);
    m_members->setRowCount(rows);
    for (int r = 0; r < rows; ++r) {
        const SweepMember& member = m_plan.members[r];
        m_members->setItem(r, 0, readOnlyItem(QString::number(member.index)));
        for (int c = 0; c < m_plan.spec.axes.size(); ++c)
            m_members->setItem(r, c + 1, readOnlyItem(visibleText(member.values.value(m_plan.spec.axes[c].key).value)));
    }
    QStringList problems;
    for (const DraftProblem& p : m_problems)
        problems << visibleText(p.message)
                + (p.hint.isEmpty() ? QString() : QStringLiteral(" — ") + visibleText(p.hint));
    m_problemLabel->setText(problems.join(u'\n'));
    m_problemLabel->setVisible(!problems.isEmpty());
    updateRunButton();
}

void SweepDialog::updateRunButton()
{
    const bool large = m_plan.members.size() > kSweepConfirmAbove;
    m_run->setEnabled(m_valid && m_problems.isEmpty() && (!large || m_confirmLarge->isChecked())
        && (!m_base.untrusted || m_confirmTrust->isChecked()));
}

} // namespace reprise
