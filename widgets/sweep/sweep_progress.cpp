#include "sweep/sweep_progress.h"

#include "sweep/sweep_runner.h"
#include "text/display_text.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace reprise {

namespace {
    enum Column { IndexColumn, ParamsColumn, StateColumn, RunColumn };

    QTableWidgetItem* cell(const QString& text)
    {
        auto* item = new QTableWidgetItem(text);
        item->setFlags(item->flags() & ~Qt::ItemIsEditable);
        return item;
    }
}

SweepProgressView::SweepProgressView(SweepRunner* runner, QWidget* parent)
    : QWidget(parent)
    , m_runner(runner)
{
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    m_summary = new QLabel;
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setWordWrap(true);
    m_cancel = new QPushButton(tr("Cancel Sweep"));
    top->addWidget(m_summary, 1);
    top->addWidget(m_cancel);
    layout->addLayout(top);
    m_progress = new QProgressBar;
    const SweepPlan& plan = runner->plan();
    m_progress->setRange(0, int(plan.members.size()));
    layout->addWidget(m_progress);
    m_members = new QTableWidget(int(plan.members.size()), 4);
    m_members->setHorizontalHeaderLabels({ tr("#"), tr("Params"), tr("State"), tr("Run") });
    m_members->horizontalHeader()->setSectionResizeMode(ParamsColumn, QHeaderView::Stretch);
    m_members->verticalHeader()->hide();
    for (int i = 0; i < plan.members.size(); ++i) {
        m_members->setItem(i, IndexColumn, cell(QString::number(plan.members[i].index)));
        m_members->setItem(i, ParamsColumn, cell(visibleText(memberText(plan.spec, plan.members[i]))));
        m_members->setItem(i, StateColumn, cell({}));
        m_members->setItem(i, RunColumn, cell({}));
        updateMember(i);
    }
    layout->addWidget(m_members, 1);

    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        if (m_runner)
            m_runner->cancel();
    });
    connect(runner, &SweepRunner::memberChanged, this, [this](int index) {
        const QString before = m_members->item(index, RunColumn)->data(Qt::UserRole).toString();
        updateMember(index);
        const QString runId = m_runner->member(index).runId;
        if (!runId.isEmpty() && runId != before)
            Q_EMIT runRecorded(runId);
        updateSummary();
    });
    connect(runner, &SweepRunner::finished, this, [this] {
        updateSummary();
        Q_EMIT finished();
    });
    updateSummary();
}

QString SweepProgressView::summaryText() const { return m_summary->text(); }

void SweepProgressView::updateMember(int index)
{
    if (!m_runner)
        return;
    const SweepMemberState& state = m_runner->member(index);
    QString text = toString(state.state);
    if (state.state == SweepMemberState::State::Failed && !state.error.isEmpty())
        text += QStringLiteral(": ") + visibleText(state.error);
    m_members->item(index, StateColumn)->setText(text);
    m_members->item(index, RunColumn)->setText(state.runId.left(8));
    m_members->item(index, RunColumn)->setData(Qt::UserRole, state.runId);
}

void SweepProgressView::updateSummary()
{
    if (!m_runner)
        return;
    const SweepPlan& plan = m_runner->plan();
    QStringList keys;
    for (const SweepAxis& axis : plan.spec.axes)
        keys << visibleText(axis.key);
    const SweepCounts counts = m_runner->counts();
    m_summary->setText(tr("Sweep %1 (%2): %3").arg(plan.id, keys.join(QStringLiteral(", ")), counts.text()));
    m_progress->setValue(counts.done + counts.failed + counts.cancelled);
    m_cancel->setEnabled(m_runner->isFinished() ? false : !m_runner->isCancelling());
}

} // namespace reprise
