#pragma once

#include "launch/rerun_queue.h"
#include "sweep/sweep_plan.h"

#include <QObject>
#include <vector>

namespace reprise {

/// Where one member of a running sweep is.
struct SweepMemberState {
    enum class State { Queued, Running, Done, Failed, Cancelled };
    State state = State::Queued;
    QString runId; ///< once recorded
    QString error; ///< why it failed before or after running
    RunStatus status = RunStatus::Running; ///< as recorded, once it ended
    int exitCode = 0;
    double startedAt = 0;
    double endedAt = 0;
    bool isFinal() const { return state == State::Done || state == State::Failed || state == State::Cancelled; }
};
QString toString(SweepMemberState::State state);

/// Counts of a sweep's members by state, for a progress line.
struct SweepCounts {
    int done = 0;
    int failed = 0;
    int running = 0;
    int queued = 0;
    int cancelled = 0;
    int total() const { return done + failed + running + queued + cancelled; }
    bool finished() const { return running == 0 && queued == 0; }
    /// "3 done, 1 failed, 2 running, 3 queued" (states with no member left out).
    QString text() const;
};

/// Runs the members of a sweep as reruns, up to `parallel` at once: one RerunQueue per slot (each
/// with its worker thread), a member handed to a slot when the slot is free, so at most `parallel`
/// commands run and each member that needs one gets a worktree of its own. Cancel stops everything:
/// queued members are never started, running ones get SIGTERM (SIGKILL after the grace period) and
/// are recorded as killed. Lives on the thread that made it (GUI thread, or the CLI's).
class SweepRunner : public QObject {
    Q_OBJECT
public:
    SweepRunner(SweepPlan plan, int parallel, QObject* parent = nullptr);
    ~SweepRunner() override;

    /// Starts up to `parallel` members; later ones start as slots free up.
    void start();
    /// Cancels every member not yet final.
    void cancel();
    bool isCancelling() const { return m_cancelling; }
    void setGracePeriod(int ms);

    const SweepPlan& plan() const { return m_plan; }
    int parallel() const { return int(m_slots.size()); }
    const SweepMemberState& member(int index) const { return m_states.at(size_t(index)); }
    SweepCounts counts() const;
    bool isFinished() const { return m_started && counts().finished(); }

Q_SIGNALS:
    /// A member changed state (started, got its run id, ended).
    void memberChanged(int index);
    /// Text a member's command wrote, decoded, as it arrives.
    void output(int index, bool isError, const QString& text);
    /// Every member is final (done, failed or cancelled).
    void finished();

private:
    struct Slot {
        RerunQueue* queue = nullptr;
        int member = -1; ///< the member on this slot, -1 when free
        int job = 0;
    };
    void fill();
    void onJobChanged(size_t slot, int jobId);
    void onJobFinished(size_t slot, int jobId);

    SweepPlan m_plan;
    std::vector<Slot> m_slots;
    std::vector<SweepMemberState> m_states;
    int m_next = 0; ///< the next member to hand to a free slot
    bool m_started = false;
    bool m_cancelling = false;
    bool m_finishedSent = false;
};

} // namespace reprise
