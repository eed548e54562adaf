#pragma once

#include <atomic>
#include <memory>

namespace reprise {

/// Lets a view tell the work it started on a worker thread to stop early. Each job takes a fresh
/// flag; starting the next job, cancelling or clearing raises the flag of the one before, whose
/// loops then skip what they have not started (its result is dropped anyway).
class CancelFlag {
public:
    /// Raises the current job's flag and returns the flag of the next job.
    std::shared_ptr<const std::atomic_bool> renew()
    {
        raise();
        m_flag = std::make_shared<std::atomic_bool>(false);
        return m_flag;
    }
    void raise()
    {
        if (m_flag)
            *m_flag = true;
    }

private:
    std::shared_ptr<std::atomic_bool> m_flag;
};

} // namespace reprise
