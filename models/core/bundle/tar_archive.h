#pragma once

#include "result.h"

#include <QIODevice>
#include <QList>
#include <QString>

namespace reprise {

/// Writes a POSIX tar archive (ustar, with a pax header for a name longer than ustar holds): regular
/// files, directories and symbolic links, times set to 0 and owner root so that the same content
/// gives the same bytes. GNU and BSD tar read it.
class TarWriter {
public:
    explicit TarWriter(QIODevice* out)
        : m_out(out)
    {
    }
    Status addFile(const QString& path, const QByteArray& data, int mode = 0644);
    /// Copies a file from disk in slices (never whole in memory).
    Status addFileFrom(const QString& path, const QString& localFile, int mode = 0644);
    Status addDirectory(const QString& path);
    Status addSymlink(const QString& path, const QString& target);
    /// The two zero blocks that end an archive.
    Status finish();

private:
    Status header(const QString& path, char type, qint64 size, int mode, const QString& link = {});
    Status write(const QByteArray& bytes);
    Status pad(qint64 size);
    QIODevice* m_out;
};

/// One member of an archive, as listTar() checked it.
struct TarMember {
    enum class Type { File, Directory, Symlink };
    QString path; ///< relative, cleaned: no leading '/', no '..' component, no empty component
    Type type = Type::File;
    qint64 size = 0;
    qint64 offset = 0; ///< where its data starts in the archive
    int mode = 0644;
    QString linkTarget; ///< Symlink: relative, pointing inside the tree
};

/// Limits on what an untrusted archive may unpack to.
struct TarLimits {
    qint64 maxMemberSize = qint64(4) << 30; ///< 4 GiB
    qint64 maxTotalSize = qint64(8) << 30; ///< 8 GiB
    qint64 maxMembers = 200000;
};

/// Lists and checks every member of the tar archive in `in` (a file: seekable) without writing
/// anything. Refused, with a message naming the member: an absolute path or one with a '..'
/// component, a symbolic link whose target is absolute or leads out of the tree, a path through a
/// symbolic link, hard links, devices and FIFOs, sparse members (GNU 'S', pax GNU.sparse), a member
/// larger than the limits or than the archive holds, the same path twice, a bad header checksum.
Result<QList<TarMember>> listTar(QIODevice& in, const TarLimits& limits = {});

/// Unpacks `members` (from listTar() of the same `in`) into `destination`, an existing empty
/// directory. Files are created new (O_EXCL | O_NOFOLLOW), symbolic links last, then each link is
/// checked to resolve inside `destination`. On any failure everything it wrote is removed again.
Status extractTar(QIODevice& in, const QList<TarMember>& members, const QString& destination);

/// A member's data (small members: manifest, run record, patch), read whole.
Result<QByteArray> readTarMember(QIODevice& in, const TarMember& member, qint64 maxSize = qint64(1) << 30);

} // namespace reprise
