// POSIX tar (ustar + pax) written and read here: the reader treats every archive as hostile.

#include "bundle/tar_archive.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSet>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace reprise {

namespace {

    constexpr qint64 kBlock = 512;

    qint64 roundUp(qint64 size) { return (size + kBlock - 1) / kBlock * kBlock; }

    void putOctal(char* field, int width, quint64 value)
    {
        // width - 1 digits and a NUL, as ustar wants
        QByteArray digits = QByteArray::number(value, 8).rightJustified(width - 1, '0');
        std::memcpy(field, digits.constData(), size_t(width - 1));
        field[width - 1] = '\0';
    }

    /// A numeric field: octal text, or GNU's base-256 (first byte 0x80) for large values. nullopt
    /// when it is neither, negative, or more than 2^62.
    std::optional<qint64> numberField(const char* field, int width)
    {
        const auto* u = reinterpret_cast<const quint8*>(field);
        if (u[0] & 0x80) {
            if (u[0] != 0x80)
                return std::nullopt; // negative (0xff) or a first byte with value bits: no size of ours
            quint64 v = 0;
            for (int i = 1; i < width; ++i) {
                if (v >> 54)
                    return std::nullopt;
                v = v << 8 | u[i];
            }
            return v > (quint64(1) << 62) ? std::nullopt : std::optional<qint64>(qint64(v));
        }
        quint64 v = 0;
        int i = 0;
        while (i < width && (field[i] == ' ' || field[i] == '\0'))
            ++i;
        bool any = false;
        for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
            if (v >> 59)
                return std::nullopt;
            v = v * 8 + quint64(field[i] - '0');
            any = true;
        }
        for (; i < width; ++i)
            if (field[i] != ' ' && field[i] != '\0')
                return std::nullopt;
        if (!any)
            return qint64(0);
        return qint64(v);
    }

    QString cString(const char* field, int width)
    {
        return QString::fromUtf8(field, qsizetype(strnlen(field, size_t(width))));
    }

    QString printable(const QString& path)
    {
        QString out;
        for (const QChar c : path.left(200))
            out += c.isPrint() ? QString(c) : QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0'));
        return out;
    }

    Error refused(const QString& member, const QString& why)
    {
        return Error { QStringLiteral("archive member '%1': %2").arg(printable(member), why),
            QStringLiteral("the bundle is damaged or was made to write outside the folder it unpacks into; "
                           "nothing was unpacked") };
    }

    /// A member's path made relative and clean; an error for an absolute path or a '..' component.
    Result<QString> cleanPath(const QString& raw)
    {
        if (raw.startsWith(u'/'))
            return refused(raw, QStringLiteral("an absolute path"));
        QStringList parts;
        for (const QString& part : raw.split(u'/')) {
            if (part.isEmpty() || part == QLatin1String("."))
                continue;
            if (part == QLatin1String(".."))
                return refused(raw, QStringLiteral("a path with '..' in it leads out of the folder"));
            parts << part;
        }
        return parts.join(u'/');
    }

    /// pax records "LEN key=value\n"; false when malformed.
    bool parsePax(const QByteArray& data, QHash<QString, QString>& out)
    {
        qsizetype pos = 0;
        while (pos < data.size()) {
            const qsizetype space = data.indexOf(' ', pos);
            if (space < 0)
                return false;
            bool ok = false;
            const qsizetype length = data.mid(pos, space - pos).toLongLong(&ok);
            if (!ok || length <= space - pos + 1 || pos + length > data.size() || data[pos + length - 1] != '\n')
                return false;
            const QByteArray record = data.mid(space + 1, length - (space - pos) - 2);
            const qsizetype eq = record.indexOf('=');
            if (eq <= 0)
                return false;
            out.insert(QString::fromUtf8(record.left(eq)), QString::fromUtf8(record.mid(eq + 1)));
            pos += length;
        }
        return true;
    }

    bool readExactly(QIODevice& in, char* buffer, qint64 size)
    {
        qint64 done = 0;
        while (done < size) {
            const qint64 n = in.read(buffer + done, size - done);
            if (n <= 0)
                return false;
            done += n;
        }
        return true;
    }

} // namespace

Status TarWriter::write(const QByteArray& bytes)
{
    if (m_out->write(bytes) != bytes.size())
        return Error { QStringLiteral("cannot write the archive: ") + m_out->errorString(),
            QStringLiteral("check the disk has room") };
    return success();
}

Status TarWriter::pad(qint64 size)
{
    const qint64 padding = roundUp(size) - size;
    return padding ? write(QByteArray(padding, '\0')) : success();
}

Status TarWriter::header(const QString& path, char type, qint64 size, int mode, const QString& link)
{
    const QByteArray name = path.toUtf8();
    const QByteArray target = link.toUtf8();
    if (name.size() > 99 || target.size() > 99) {
        // A pax extended header carries the full name (and link target).
        QByteArray records;
        const auto add = [&records](const QByteArray& key, const QByteArray& value) {
            const QByteArray body = ' ' + key + '=' + value + '\n';
            qsizetype length = body.size() + 1;
            while (QByteArray::number(length).size() + body.size() > length)
                ++length;
            records += QByteArray::number(length) + body;
        };
        if (name.size() > 99)
            add("path", name);
        if (target.size() > 99)
            add("linkpath", target);
        if (auto st = header(QStringLiteral("PaxHeader"), 'x', records.size(), 0644); !st)
            return st;
        if (auto st = write(records); !st)
            return st;
        if (auto st = pad(records.size()); !st)
            return st;
    }
    QByteArray block(kBlock, '\0');
    char* b = block.data();
    std::memcpy(b, name.constData(), size_t(std::min<qsizetype>(name.size(), 99)));
    putOctal(b + 100, 8, quint64(mode));
    putOctal(b + 108, 8, 0);
    putOctal(b + 116, 8, 0);
    putOctal(b + 124, 12, quint64(size));
    putOctal(b + 136, 12, 0);
    b[156] = type;
    std::memcpy(b + 157, target.constData(), size_t(std::min<qsizetype>(target.size(), 99)));
    std::memcpy(b + 257, "ustar", 6);
    std::memcpy(b + 263, "00", 2);
    std::memcpy(b + 265, "root", 4);
    std::memcpy(b + 297, "root", 4);
    std::memset(b + 148, ' ', 8);
    quint32 sum = 0;
    for (int i = 0; i < kBlock; ++i)
        sum += quint8(b[i]);
    putOctal(b + 148, 7, sum);
    b[155] = ' ';
    return write(block);
}

Status TarWriter::addFile(const QString& path, const QByteArray& data, int mode)
{
    if (auto st = header(path, '0', data.size(), mode); !st)
        return st;
    if (auto st = write(data); !st)
        return st;
    return pad(data.size());
}

Status TarWriter::addFileFrom(const QString& path, const QString& localFile, int mode)
{
    QFile f(localFile);
    if (!f.open(QIODevice::ReadOnly))
        return Error { localFile + QStringLiteral(": cannot read it: ") + f.errorString(), {} };
    const qint64 size = f.size();
    if (auto st = header(path, '0', size, mode); !st)
        return st;
    qint64 done = 0;
    while (done < size) {
        const QByteArray slice = f.read(std::min<qint64>(size - done, qint64(1) << 20));
        if (slice.isEmpty())
            return Error { localFile + QStringLiteral(": changed while it was being archived"), {} };
        if (auto st = write(slice); !st)
            return st;
        done += slice.size();
    }
    return pad(size);
}

Status TarWriter::addDirectory(const QString& path) { return header(path + u'/', '5', 0, 0755); }

Status TarWriter::addSymlink(const QString& path, const QString& target) { return header(path, '2', 0, 0777, target); }

Status TarWriter::finish() { return write(QByteArray(2 * kBlock, '\0')); }

Result<QList<TarMember>> listTar(QIODevice& in, const TarLimits& limits)
{
    QList<TarMember> members;
    QSet<QString> paths;
    const qint64 archiveSize = in.size();
    qint64 pos = 0, total = 0;
    QHash<QString, QString> pax; // applies to the next member
    QString longName, longLink; // GNU 'L' and 'K'
    char block[kBlock];
    const auto damaged = [](const QString& why) {
        return Error { QStringLiteral("not a readable tar archive: ") + why,
            QStringLiteral("the file is damaged or not a bundle; nothing was unpacked") };
    };
    for (;;) {
        if (!in.seek(pos) || !readExactly(in, block, kBlock)) {
            if (members.isEmpty())
                return damaged(QStringLiteral("it ends before its first header"));
            break; // an archive cut right after a member: what is listed is whole
        }
        pos += kBlock;
        if (std::all_of(block, block + kBlock, [](char c) { return c == 0; }))
            break; // the end-of-archive blocks
        const auto stored = numberField(block + 148, 8);
        quint32 sum = 0;
        for (int i = 0; i < kBlock; ++i)
            sum += (i >= 148 && i < 156) ? quint8(' ') : quint8(block[i]);
        if (!stored || quint32(*stored) != sum)
            return damaged(QStringLiteral("header checksum mismatch at byte %1").arg(pos - kBlock));
        const char type = block[156];
        QString name = cString(block, 100);
        if (std::memcmp(block + 257, "ustar", 5) == 0) {
            const QString prefix = cString(block + 345, 155);
            if (!prefix.isEmpty())
                name = prefix + u'/' + name;
        }
        QString link = cString(block + 157, 100);
        auto size = numberField(block + 124, 12);
        if (!size)
            return damaged(QStringLiteral("member '%1' has no readable size").arg(printable(name)));
        if (pax.contains(QStringLiteral("size"))) {
            bool ok = false;
            const qint64 v = pax.value(QStringLiteral("size")).toLongLong(&ok);
            if (!ok || v < 0)
                return damaged(QStringLiteral("member '%1' has no readable size").arg(printable(name)));
            size = v;
        }
        if (pax.contains(QStringLiteral("path")))
            name = pax.value(QStringLiteral("path"));
        if (pax.contains(QStringLiteral("linkpath")))
            link = pax.value(QStringLiteral("linkpath"));
        if (!longName.isEmpty())
            name = longName;
        if (!longLink.isEmpty())
            link = longLink;
        const bool isMeta = type == 'x' || type == 'g' || type == 'L' || type == 'K';
        if (!isMeta) {
            pax.clear();
            longName.clear();
            longLink.clear();
        }
        if (type == 'S')
            return refused(name, QStringLiteral("a sparse file (a bundle never holds one)"));
        const qint64 dataOffset = pos;
        if (*size > limits.maxMemberSize)
            return refused(name,
                QStringLiteral("%1 bytes, more than the %2 GiB a member of a bundle may have")
                    .arg(*size)
                    .arg(limits.maxMemberSize >> 30));
        if (*size > archiveSize - dataOffset)
            return refused(name,
                QStringLiteral("says it holds %1 bytes, but the archive ends %2 bytes later")
                    .arg(*size)
                    .arg(std::max<qint64>(archiveSize - dataOffset, 0)));
        pos = dataOffset + roundUp(*size);
        if (isMeta) {
            if (*size > (qint64(1) << 20))
                return refused(name, QStringLiteral("an extended header of more than 1 MiB"));
            QByteArray data(*size, '\0');
            if (!in.seek(dataOffset) || !readExactly(in, data.data(), *size))
                return damaged(QStringLiteral("cannot read an extended header"));
            if (type == 'L' || type == 'K') {
                const qsizetype end = data.indexOf('\0');
                (type == 'L' ? longName : longLink) = QString::fromUtf8(end < 0 ? data : data.left(end));
                continue;
            }
            QHash<QString, QString> records;
            if (!parsePax(data, records))
                return damaged(QStringLiteral("a malformed pax extended header"));
            for (auto it = records.begin(); it != records.end(); ++it)
                if (it.key().startsWith(QLatin1String("GNU.sparse")))
                    return refused(name, QStringLiteral("a sparse file (a bundle never holds one)"));
            if (type == 'x')
                pax = records;
            continue;
        }

        TarMember m;
        switch (type) {
        case '0':
        case '\0':
        case '7':
            m.type = TarMember::Type::File;
            break;
        case '5':
            m.type = TarMember::Type::Directory;
            break;
        case '2':
            m.type = TarMember::Type::Symlink;
            break;
        case '1':
            return refused(name, QStringLiteral("a hard link (a bundle never holds one)"));
        case '3':
        case '4':
        case '6':
            return refused(name, QStringLiteral("a device or FIFO (a bundle never holds one)"));
        default:
            return refused(name, QStringLiteral("a member of unknown type '%1'").arg(QChar::fromLatin1(type)));
        }
        auto clean = cleanPath(name);
        if (!clean)
            return clean.error();
        if (clean->isEmpty()) {
            if (m.type == TarMember::Type::Directory)
                continue; // "./": the folder itself
            return refused(name, QStringLiteral("an empty path"));
        }
        m.path = *clean;
        m.size = m.type == TarMember::Type::File ? *size : 0;
        m.offset = dataOffset;
        m.mode = int(numberField(block + 100, 8).value_or(0644) & 0777);
        if (m.type == TarMember::Type::Symlink) {
            if (link.isEmpty() || link.startsWith(u'/'))
                return refused(name, QStringLiteral("a symbolic link to an absolute path ('%1')").arg(printable(link)));
            // Resolved from the link's folder, it must stay inside the tree.
            QStringList at = m.path.split(u'/');
            at.removeLast();
            for (const QString& part : link.split(u'/')) {
                if (part.isEmpty() || part == QLatin1String("."))
                    continue;
                if (part == QLatin1String("..")) {
                    if (at.isEmpty())
                        return refused(
                            name, QStringLiteral("a symbolic link out of the folder ('%1')").arg(printable(link)));
                    at.removeLast();
                } else {
                    at << part;
                }
            }
            m.linkTarget = link;
        }
        if (paths.contains(m.path))
            return refused(name, QStringLiteral("the same path twice"));
        paths.insert(m.path);
        total += m.size;
        if (total > limits.maxTotalSize)
            return refused(name,
                QStringLiteral("the members add up to more than the %1 GiB a bundle may unpack to")
                    .arg(limits.maxTotalSize >> 30));
        if (members.size() >= limits.maxMembers)
            return refused(name, QStringLiteral("more than %1 members").arg(limits.maxMembers));
        members << m;
    }
    // No member may lie under a symbolic link: it would be written wherever the link points.
    QSet<QString> links;
    for (const TarMember& m : members)
        if (m.type == TarMember::Type::Symlink)
            links.insert(m.path);
    if (!links.isEmpty()) {
        for (const TarMember& m : members) {
            const QStringList parts = m.path.split(u'/');
            QString prefix;
            for (qsizetype i = 0; i + 1 < parts.size(); ++i) {
                prefix += (i ? QStringLiteral("/") : QString()) + parts[i];
                if (links.contains(prefix))
                    return refused(m.path, QStringLiteral("a path through the symbolic link '%1'").arg(prefix));
            }
        }
    }
    return members;
}

Result<QByteArray> readTarMember(QIODevice& in, const TarMember& member, qint64 maxSize)
{
    if (member.size > maxSize)
        return Error {
            QStringLiteral("archive member '%1': %2 bytes, too large to read").arg(member.path).arg(member.size), {}
        };
    QByteArray data(member.size, '\0');
    if (!in.seek(member.offset) || !readExactly(in, data.data(), member.size))
        return Error { QStringLiteral("archive member '%1': cannot be read").arg(member.path), {} };
    return data;
}

Status extractTar(QIODevice& in, const QList<TarMember>& members, const QString& destination)
{
    const QString root = QFileInfo(destination).canonicalFilePath();
    if (root.isEmpty() || !QFileInfo(root).isDir())
        return Error { destination + QStringLiteral(": not a folder to unpack into"), {} };
    if (!QDir(root).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
        return Error { destination + QStringLiteral(": not empty; a bundle unpacks into a fresh folder"), {} };
    const auto fail = [&](const Error& e) -> Status {
        QDir dir(root);
        for (const QFileInfo& entry :
            dir.entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)) {
            if (entry.isDir() && !entry.isSymLink())
                QDir(entry.filePath()).removeRecursively();
            else
                QFile::remove(entry.filePath());
        }
        return e;
    };
    QByteArray buffer(qint64(1) << 20, '\0');
    for (const TarMember& m : members) {
        const QString target = root + u'/' + m.path;
        if (m.type == TarMember::Type::Directory) {
            if (!QDir().mkpath(target))
                return fail(Error { target + QStringLiteral(": cannot create the folder"), {} });
            continue;
        }
        if (m.type != TarMember::Type::File)
            continue;
        if (!QDir().mkpath(QFileInfo(target).path()))
            return fail(Error { QFileInfo(target).path() + QStringLiteral(": cannot create the folder"), {} });
        const QByteArray local = QFile::encodeName(target);
        const int fd = ::open(local.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
            mode_t((m.mode & 0100) ? 0755 : 0644));
        if (fd < 0)
            return fail(Error {
                target + QStringLiteral(": cannot create it: ") + QString::fromLocal8Bit(strerror(errno)), {} });
        qint64 done = 0;
        bool ok = in.seek(m.offset);
        while (ok && done < m.size) {
            const qint64 n = std::min<qint64>(m.size - done, buffer.size());
            ok = readExactly(in, buffer.data(), n);
            qint64 written = 0;
            while (ok && written < n) {
                const ssize_t w = ::write(fd, buffer.constData() + written, size_t(n - written));
                ok = w > 0;
                written += ok ? w : 0;
            }
            done += n;
        }
        ok = ::close(fd) == 0 && ok;
        if (!ok)
            return fail(Error { target + QStringLiteral(": cannot unpack it (disk full, or the archive is cut)"), {} });
    }
    for (const TarMember& m : members) {
        if (m.type != TarMember::Type::Symlink)
            continue;
        const QString target = root + u'/' + m.path;
        if (!QDir().mkpath(QFileInfo(target).path())
            || ::symlink(QFile::encodeName(m.linkTarget).constData(), QFile::encodeName(target).constData()) != 0)
            return fail(Error { target + QStringLiteral(": cannot create the symbolic link"), {} });
    }
    // Through links to links, a target that looked inside may not be: every link must resolve inside.
    for (const TarMember& m : members) {
        if (m.type != TarMember::Type::Symlink)
            continue;
        const QString resolved = QFileInfo(root + u'/' + m.path).canonicalFilePath();
        if (resolved.isEmpty() || !(resolved == root || resolved.startsWith(root + u'/')))
            return fail(refused(m.path,
                resolved.isEmpty() ? QStringLiteral("a symbolic link to nothing in the bundle ('%1')").arg(m.linkTarget)
                                   : QStringLiteral("a symbolic link out of the folder ('%1')").arg(m.linkTarget)));
    }
    return success();
}

} // namespace reprise
