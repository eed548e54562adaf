#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>
#include <type_traits>
#include <utility>

namespace reprise {

/// Calls `handler(result)` on `owner`'s thread once `future` has finished, unless `owner` is destroyed
/// first: then nothing is called and the worker's result is dropped when the worker ends.
///
/// A QFutureWatcher, a child of `owner`, carries the result. Qt 6.4's `QFuture::then(context, …)`
/// reads its QPointer to the context on the worker thread and posts to it from there: a view destroyed
/// on the GUI thread at that moment is posted to after it is gone. Destroying the watcher instead
/// detaches it from the future under the future's own lock, so closing a view while its work runs is safe.
template <typename T, typename Handler> void whenFinished(QFuture<T> future, QObject* owner, Handler handler)
{
    auto* watcher = new QFutureWatcher<T>(owner);
    QObject::connect(watcher, &QFutureWatcherBase::finished, owner, [watcher, handler = std::move(handler)]() mutable {
        watcher->deleteLater();
        if constexpr (std::is_void_v<T>) {
            handler();
        } else {
            QFuture<T> done = watcher->future();
            if (done.resultCount() > 0) // none when the pool dropped the job unstarted
                handler(done.takeResult());
        }
    });
    watcher->setFuture(std::move(future));
}

} // namespace reprise
