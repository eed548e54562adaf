#include "jobs/job_status.h"

#include "jobs/job_controller.h"
#include "text/display_text.h"

#include <QHBoxLayout>
#include <QMenu>
#include <QProgressBar>
#include <QTimer>
#include <QToolButton>

namespace reprise {

namespace {
    constexpr int kRevealAfterMs = 500;
}

JobStatus::JobStatus(JobController* jobs, QWidget* parent)
    : QWidget(parent)
    , m_jobs(jobs)
    , m_bar(new QProgressBar(this))
    , m_cancel(new QToolButton(this))
    , m_menu(new QMenu(this))
    , m_reveal(new QTimer(this))
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    m_bar->setRange(0, 0);
    m_bar->setMaximumWidth(120);
    m_bar->setAccessibleName(tr("Loading"));
    m_bar->hide();
    m_cancel->setText(tr("Cancel"));
    m_cancel->setAccessibleName(tr("Cancel the computation"));
    m_cancel->hide();
    connect(m_cancel, &QToolButton::clicked, this, &JobStatus::cancelClicked);
    m_reveal->setSingleShot(true);
    connect(m_reveal, &QTimer::timeout, this, &JobStatus::update);
    connect(m_jobs, &JobController::jobsChanged, this, &JobStatus::update);
}

void JobStatus::setOtherWork(bool busy, std::function<void()> cancel)
{
    m_otherBusy = busy;
    m_cancelOther = std::move(cancel);
    update();
}

void JobStatus::cancelClicked()
{
    const auto jobs = m_jobs->jobs();
    if (jobs.size() == 1) {
        m_jobs->cancel(jobs.first().id);
    } else if (jobs.size() > 1) {
        // Each job stops on its own: the user picks which.
        m_menu->clear();
        for (const JobController::Job& job : jobs) {
            QString text = tr("Stop: %1 (%2 %)").arg(visibleText(job.title)).arg(int(job.progress * 100));
            QAction* action = m_menu->addAction(
                text.replace(u'&', QStringLiteral("&&")), this, [this, id = job.id] { m_jobs->cancel(id); });
            action->setEnabled(!job.cancelling);
        }
        m_menu->addSeparator();
        m_menu->addAction(tr("Stop All"), m_jobs, &JobController::cancelAll);
        m_menu->popup(m_cancel->mapToGlobal(QPoint(0, m_cancel->height())));
    } else if (m_cancelOther) {
        m_cancelOther();
    }
    update();
}

void JobStatus::update()
{
    const auto jobs = m_jobs->jobs();
    const bool busy = m_otherBusy || !jobs.isEmpty();
    if (!busy) {
        m_since.invalidate();
        m_reveal->stop();
        m_bar->hide();
        m_cancel->hide();
        return;
    }
    if (!m_since.isValid()) {
        m_since.start();
        m_reveal->start(kRevealAfterMs);
    }
    if (!jobs.isEmpty()) {
        // Reading or importing another tracker's data: a real progress bar (the least advanced job).
        double least = 1;
        QStringList titles;
        for (const JobController::Job& job : jobs) {
            least = std::min(least, job.progress);
            titles << visibleText(job.title) + (job.cancelling ? tr(" (stopping)") : QString());
        }
        m_bar->setRange(0, 1000);
        m_bar->setValue(int(least * 1000));
        m_bar->setToolTip(plainToolTip(titles.join(u'\n'))); // titles name files: shown, never rendered
        m_cancel->setToolTip(
            plainToolTip(jobs.size() == 1 ? tr("Stop %1").arg(titles.first()) : tr("Choose what to stop")));
    } else {
        m_bar->setRange(0, 0);
        m_bar->setToolTip({});
        m_cancel->setToolTip(tr("Stop computing this view"));
    }
    const bool shown = m_since.elapsed() >= kRevealAfterMs;
    m_bar->setVisible(shown);
    m_cancel->setVisible(shown && (!jobs.isEmpty() || m_cancelOther));
}

} // namespace reprise
