#pragma once
// The run databases this process has open through SQLite, so that nothing else in the process
// opens their files. POSIX locks belong to the process, not to a descriptor: closing ANY descriptor
// of a file drops every lock the process holds on it, and SQLite's locking then silently breaks
// (another process resets the shared-memory index and deletes the write-ahead log under us).
// A file dialog sniffing types, source detection reading a header, a checksum: each must ask here
// first, by device and inode, so that another spelling of the path (a link, `..`) is caught too.

#include <QString>

namespace reprise {

/// Records that `owner` (a connection) has the database at `path` open. Call after a successful
/// open; a database opened twice is counted twice. Thread-safe.
void registerOpenDatabase(const void* owner, const QString& path);
/// Forgets what registerOpenDatabase() recorded for `owner`. Thread-safe.
void unregisterOpenDatabase(const void* owner);

/// True when `path` is, under any spelling, a database this process has open, or one of its
/// companion files (`-wal`, `-shm`, `-journal`). Only stat(), never open(): safe to call on any
/// path. Thread-safe.
bool isOpenDatabaseFile(const QString& path);

} // namespace reprise
