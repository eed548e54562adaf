#pragma once

#include <QThreadPool>

namespace reprise {

/// The pool for the parallel inner loops of view computations (drift per dataset, histories per
/// run). Those loops run inside tasks of the global pool and block until done; running them on the
/// global pool too would leave, on a 2-core machine, every global thread waiting for work that no
/// thread is free to do.
inline QThreadPool* computePool()
{
    static QThreadPool* pool = [] {
        auto* p = new QThreadPool;
        p->setMaxThreadCount(std::max(2, QThread::idealThreadCount()));
        p->setObjectName(QStringLiteral("reprise-compute"));
        return p;
    }();
    return pool;
}

} // namespace reprise
