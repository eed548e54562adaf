#include "rerun/rerun_panel.h"

#include "launch/rerun_queue.h"
#include "rerun/report_view.h"
#include "text/display_text.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTextCursor>
#include <QTimer>
#include <QVBoxLayout>

namespace reprise {

namespace {

    /// Output kept per rerun: the tail, so a chatty command cannot eat the memory.
    constexpr qsizetype kMaxLogChars = 4 * 1024 * 1024;

    QString elapsed(double seconds)
    {
        const qint64 s = qint64(seconds);
        return s >= 3600 ? QStringLiteral("%1:%2:%3")
                               .arg(s / 3600)
                               .arg(s / 60 % 60, 2, 10, QChar(u'0'))
                               .arg(s % 60, 2, 10, QChar(u'0'))
                         : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar(u'0'));
    }

    QString jobLabel(const RerunJob& job)
    {
        QString text = QStringLiteral("#%1  %2 (%3)  —  %4")
                           .arg(job.id)
                           .arg(job.draft.originalName, job.draft.originalId.left(8), toString(job.state));
        if (job.state == RerunJob::State::Done && job.report)
            text += QStringLiteral(": ") + toString(job.report->verdict);
        const auto edited = job.draft.editedParams();
        if (!edited.isEmpty())
            text += QStringLiteral("  [") + QStringList(edited.keys()).join(QStringLiteral(", ")) + u']';
        return text;
    }

} // namespace

RerunPanel::RerunPanel(RerunQueue* queue, QWidget* parent)
    : QWidget(parent)
    , m_queue(queue)
    , m_jobs(new QListWidget(this))
    , m_log(new QPlainTextEdit(this))
    , m_logNotice(new QLabel(this))
    , m_status(new QLabel(this))
    , m_cancel(new QPushButton(tr("Cancel Rerun"), this))
    , m_report(new ReportView(this))
    , m_clock(new QTimer(this))
{
    m_jobs->setAccessibleName(tr("Rerun queue"));
    m_log->setReadOnly(true);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_log->setAccessibleName(tr("Rerun log"));
    m_log->setPlaceholderText(tr("Rerun a run (Runs ▸ Rerun…, Ctrl+R) to see its output here."));
    // A chatty command must not grow the log without bound: the oldest lines go.
    m_log->setMaximumBlockCount(kMaxLogLines);
    m_logNotice->setTextFormat(Qt::PlainText);
    m_logNotice->setWordWrap(true);
    m_logNotice->setAccessibleName(tr("Rerun log notice"));
    m_logNotice->hide();
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cancel->setEnabled(false);
    m_cancel->setToolTip(tr("Stop the selected rerun (terminate, then kill after 5 s), or drop it from the queue"));

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("Queue (one at a time)"), left));
    leftLayout->addWidget(m_jobs, 1);
    // Sweeps run their members on queues of their own: each is one item here, its progress and Cancel.
    m_sweeps = new QWidget(left);
    m_sweeps->setLayout(new QVBoxLayout);
    m_sweeps->layout()->setContentsMargins(0, 0, 0, 0);
    m_sweeps->layout()->addWidget(new QLabel(tr("Sweeps"), m_sweeps));
    m_sweeps->hide();
    leftLayout->addWidget(m_sweeps, 2);
    auto* middle = new QWidget(this);
    auto* middleLayout = new QVBoxLayout(middle);
    middleLayout->setContentsMargins(0, 0, 0, 0);
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_cancel);
    middleLayout->addLayout(statusRow);
    middleLayout->addWidget(m_logNotice);
    middleLayout->addWidget(m_log, 1);
    auto* top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(left);
    top->addWidget(middle);
    top->setStretchFactor(0, 1);
    top->setStretchFactor(1, 3);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(m_report);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    connect(m_queue, &RerunQueue::jobChanged, this, &RerunPanel::onJobChanged);
    connect(m_queue, &RerunQueue::output, this, &RerunPanel::onOutput);
    connect(m_jobs, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0)
            showJob(m_jobs->item(row)->data(Qt::UserRole).toInt());
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_selected)
            m_queue->cancel(m_selected);
    });
    m_clock->setInterval(500);
    connect(m_clock, &QTimer::timeout, this, &RerunPanel::updateStatus);
    m_clock->start();
    updateStatus();
}

void RerunPanel::showReport(const ReproductionReport& report) { m_report->setReport(report); }

void RerunPanel::showReportMessage(const QString& message) { m_report->clear(message); }

void RerunPanel::selectJob(int jobId)
{
    for (int row = 0; row < m_jobs->count(); ++row)
        if (m_jobs->item(row)->data(Qt::UserRole).toInt() == jobId)
            m_jobs->setCurrentRow(row);
}

QString RerunPanel::logText() const { return m_log->toPlainText(); }

int RerunPanel::logLineCount() const { return m_log->blockCount(); }

QString RerunPanel::logNotice() const { return m_logNotice->isHidden() ? QString() : m_logNotice->text(); }

QString RerunPanel::statusText() const { return m_status->text(); }

void RerunPanel::onJobChanged(int jobId)
{
    const RerunJob* job = m_queue->job(jobId);
    if (!job)
        return;
    QListWidgetItem* item = nullptr;
    for (int row = 0; row < m_jobs->count(); ++row)
        if (m_jobs->item(row)->data(Qt::UserRole).toInt() == jobId)
            item = m_jobs->item(row);
    if (!item) {
        item = new QListWidgetItem(m_jobs);
        item->setData(Qt::UserRole, jobId);
    }
    item->setText(visibleText(jobLabel(*job)));
    item->setToolTip(plainToolTip(displayCommand(job->draft.argv)));
    // A new rerun or one that just started is what the user wants to watch.
    if (job->state == RerunJob::State::Queued && !m_queue->isBusy())
        selectJob(jobId);
    else if (job->state == RerunJob::State::Preparing)
        selectJob(jobId);
    if (jobId == m_selected)
        showJob(jobId);
}

void RerunPanel::onOutput(int jobId, bool isError, const QString& text)
{
    auto& chunks = m_chunks[jobId];
    chunks.append({ isError, text });
    qsizetype& size = m_logSize[jobId];
    size += text.size();
    while (size > kMaxLogChars && chunks.size() > 1) {
        size -= chunks.first().second.size();
        chunks.removeFirst();
        m_chunksDropped.insert(jobId);
    }
    if (jobId == m_selected) {
        appendToLog(isError, text);
        updateLogNotice();
    }
}

void RerunPanel::updateLogNotice()
{
    // The document keeps kMaxLogLines blocks: more line breaks than that and the first ones are gone.
    const bool dropped = m_logLines >= kMaxLogLines || m_chunksDropped.contains(m_selected);
    if (dropped) {
        const RerunJob* job = m_selected ? m_queue->job(m_selected) : nullptr;
        m_logNotice->setText(job && !job->runId.isEmpty()
                ? tr("… earlier lines dropped (the last %L1 are shown); the full output is in the run's record.")
                      .arg(kMaxLogLines)
                : tr("… earlier lines dropped (the last %L1 are shown).").arg(kMaxLogLines));
    }
    m_logNotice->setVisible(dropped);
}

void RerunPanel::appendToLog(bool isError, const QString& text)
{
    QTextCursor cursor(m_log->document());
    cursor.movePosition(QTextCursor::End);
    QTextCharFormat format;
    if (isError)
        format.setForeground(QColor(0xd3, 0x2f, 0x2f));
    // The command's output is shown as it is, but no control sequence of it acts on the view.
    const QString shown = visibleText(text, LineBreaks::Keep);
    m_logLines += shown.count(u'\n');
    cursor.insertText(shown, format);
    m_log->verticalScrollBar()->setValue(m_log->verticalScrollBar()->maximum());
}

void RerunPanel::showJob(int jobId)
{
    const bool switched = jobId != m_selected;
    m_selected = jobId;
    if (switched) {
        m_log->clear();
        m_logLines = 0;
        for (const auto& [isError, text] : std::as_const(m_chunks[jobId]))
            appendToLog(isError, text);
    }
    updateLogNotice();
    const RerunJob* job = m_queue->job(jobId);
    if (job && job->report)
        m_report->setReport(*job->report);
    else if (job && job->isFinal())
        m_report->clear(
            job->error.isEmpty() ? tr("No report: the rerun did not record a run.") : job->error + u'\n' + job->hint);
    else if (job)
        m_report->clear(tr("The reproduction report appears here when the rerun ends."));
    updateStatus();
}

void RerunPanel::updateStatus()
{
    const RerunJob* job = m_selected ? m_queue->job(m_selected) : nullptr;
    m_cancel->setEnabled(job && (job->isActive() || job->state == RerunJob::State::Queued));
    if (!job) {
        m_status->setText(tr("No rerun yet."));
        return;
    }
    QString text = toString(job->state);
    if (job->startedAt > 0) {
        const double end = job->endedAt > 0 ? job->endedAt : QDateTime::currentMSecsSinceEpoch() / 1000.0;
        text += QStringLiteral("  ") + elapsed(end - job->startedAt);
    }
    if (!job->runId.isEmpty())
        text += tr("  ·  run %1").arg(job->runId.left(8));
    if (job->isFinal() && job->outcome.started)
        text += tr("  ·  exit code %1").arg(job->outcome.exitCode);
    text += QStringLiteral("\n") + job->draft.codeSummary();
    if (!job->worktree.isEmpty())
        text += u'\n'
            + (job->isFinal() ? tr("Worktree kept for inspection: %1").arg(job->worktree)
                              : tr("Worktree: %1").arg(job->worktree));
    if (!job->error.isEmpty() && !job->report)
        text += u'\n' + job->error;
    m_status->setText(visibleText(text, LineBreaks::Keep));
}

void RerunPanel::addSweep(QWidget* view)
{
    view->setParent(m_sweeps);
    m_sweeps->layout()->addWidget(view);
    m_sweeps->show();
}

} // namespace reprise
