#include "sweep/sweep_runner.h"

#include "store/run_store.h"

namespace reprise {

QString toString(SweepMemberState::State state)
{
    switch (state) {
    case SweepMemberState::State::Queued:
        return QStringLiteral("queued");
    case SweepMemberState::State::Running:
        return QStringLiteral("running");
    case SweepMemberState::State::Done:
        return QStringLiteral("done");
    case SweepMemberState::State::Failed:
        return QStringLiteral("failed");
    case SweepMemberState::State::Cancelled:
        break;
    }
    return QStringLiteral("cancelled");
}

QString SweepCounts::text() const
{
    QStringList parts;
    const auto add = [&parts](int n, const char* what) {
        if (n > 0)
            parts << QString::number(n) + u' ' + QLatin1String(what);
    };
    add(done, "done");
    add(failed, "failed");
    add(running, "running");
    add(queued, "queued");
    add(cancelled, "cancelled");
    return parts.isEmpty() ? QStringLiteral("no members") : parts.join(QStringLiteral(", "));
}

SweepRunner::SweepRunner(SweepPlan plan, int parallel, QObject* parent)
    : QObject(parent)
    , m_plan(std::move(plan))
    , m_states(size_t(m_plan.members.size()))
{
    const int slots = std::clamp(parallel, 1, std::max(1, int(m_plan.members.size())));
    m_slots.resize(size_t(slots));
    for (size_t s = 0; s < m_slots.size(); ++s) {
        auto* queue = new RerunQueue(this);
        m_slots[s].queue = queue;
        connect(queue, &RerunQueue::jobChanged, this, [this, s](int jobId) { onJobChanged(s, jobId); });
        connect(queue, &RerunQueue::jobFinished, this, [this, s](int jobId) { onJobFinished(s, jobId); });
        connect(queue, &RerunQueue::output, this, [this, s](int jobId, bool isError, const QString& text) {
            if (m_slots[s].job == jobId && m_slots[s].member >= 0)
                Q_EMIT output(m_slots[s].member, isError, text);
        });
    }
}

// The queues are children: each kills its running command and records it as killed as it goes.
SweepRunner::~SweepRunner() = default;

void SweepRunner::setGracePeriod(int ms)
{
    for (Slot& slot : m_slots)
        slot.queue->setGracePeriod(ms);
}

void SweepRunner::start()
{
    if (m_started)
        return;
    m_started = true;
    fill();
    if (m_plan.members.isEmpty() && !m_finishedSent) {
        m_finishedSent = true;
        Q_EMIT finished();
    }
}

void SweepRunner::fill()
{
    for (Slot& slot : m_slots) {
        if (slot.member >= 0 || m_cancelling || m_next >= m_plan.members.size())
            continue;
        const int index = m_next++;
        slot.member = index;
        SweepMemberState& state = m_states[size_t(index)];
        state.state = SweepMemberState::State::Running;
        state.startedAt = nowSeconds();
        slot.job = slot.queue->enqueue(m_plan.memberDraft(index));
        Q_EMIT memberChanged(index);
    }
}

void SweepRunner::cancel()
{
    if (m_cancelling)
        return;
    m_cancelling = true;
    // Members not handed to a slot never start.
    for (int index = m_next; index < m_plan.members.size(); ++index) {
        SweepMemberState& state = m_states[size_t(index)];
        state.state = SweepMemberState::State::Cancelled;
        state.endedAt = nowSeconds();
        Q_EMIT memberChanged(index);
    }
    m_next = int(m_plan.members.size());
    bool active = false;
    for (Slot& slot : m_slots)
        if (slot.member >= 0) {
            active = true;
            slot.queue->cancel(slot.job);
        }
    if (!active && !m_finishedSent) {
        m_finishedSent = true;
        Q_EMIT finished();
    }
}

void SweepRunner::onJobChanged(size_t s, int jobId)
{
    const Slot& slot = m_slots[s];
    if (slot.job != jobId || slot.member < 0)
        return;
    const RerunJob* job = slot.queue->job(jobId);
    if (!job || job->runId.isEmpty() || job->runId == m_states[size_t(slot.member)].runId)
        return;
    m_states[size_t(slot.member)].runId = job->runId;
    Q_EMIT memberChanged(slot.member);
}

void SweepRunner::onJobFinished(size_t s, int jobId)
{
    Slot& slot = m_slots[s];
    if (slot.job != jobId || slot.member < 0)
        return;
    const int index = slot.member;
    SweepMemberState& state = m_states[size_t(index)];
    if (const RerunJob* job = slot.queue->job(jobId)) {
        state.runId = job->runId;
        state.status = job->outcome.status;
        state.exitCode = job->outcome.exitCode;
        state.error = job->error;
        switch (job->state) {
        case RerunJob::State::Done:
            state.state = SweepMemberState::State::Done;
            break;
        case RerunJob::State::Cancelled:
            state.state = SweepMemberState::State::Cancelled;
            break;
        default:
            state.state = SweepMemberState::State::Failed;
            if (state.error.isEmpty())
                state.error = QStringLiteral("exit code %1").arg(job->outcome.exitCode);
        }
    } else {
        state.state = SweepMemberState::State::Failed;
    }
    state.endedAt = nowSeconds();
    slot.member = -1;
    slot.job = 0;
    Q_EMIT memberChanged(index);
    fill();
    if (counts().finished() && !m_finishedSent) {
        m_finishedSent = true;
        Q_EMIT finished();
    }
}

SweepCounts SweepRunner::counts() const
{
    SweepCounts counts;
    for (const SweepMemberState& state : m_states)
        switch (state.state) {
        case SweepMemberState::State::Queued:
            ++counts.queued;
            break;
        case SweepMemberState::State::Running:
            ++counts.running;
            break;
        case SweepMemberState::State::Done:
            ++counts.done;
            break;
        case SweepMemberState::State::Failed:
            ++counts.failed;
            break;
        case SweepMemberState::State::Cancelled:
            ++counts.cancelled;
            break;
        }
    return counts;
}

} // namespace reprise
