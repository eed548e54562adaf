#pragma once

#include <QByteArray>
#include <QString>
#include <sqlite3.h>
#include <utility>

namespace reprise {

/// RAII wrapper of one prepared SQLite statement. Owned by the thread that prepared it.
/// Column and bind indexes follow SQLite: binds are 1-based, columns 0-based.
class Statement {
public:
    Statement() = default;
    explicit Statement(sqlite3_stmt* stmt)
        : m_stmt(stmt)
    {
    }
    Statement(Statement&& other) noexcept
        : m_stmt(std::exchange(other.m_stmt, nullptr))
    {
    }
    Statement& operator=(Statement&& other) noexcept
    {
        std::swap(m_stmt, other.m_stmt);
        return *this;
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() { sqlite3_finalize(m_stmt); }

    sqlite3_stmt* handle() const { return m_stmt; }
    bool valid() const { return m_stmt != nullptr; }

    void bind(int index, qint64 value) { sqlite3_bind_int64(m_stmt, index, value); }
    void bind(int index, int value) { sqlite3_bind_int64(m_stmt, index, value); }
    void bind(int index, double value) { sqlite3_bind_double(m_stmt, index, value); }
    void bind(int index, const QString& value)
    {
        const QByteArray utf8 = value.toUtf8();
        sqlite3_bind_text(m_stmt, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    }
    void bind(int index, const QByteArray& utf8)
    {
        sqlite3_bind_text(m_stmt, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    }
    void bindNull(int index) { sqlite3_bind_null(m_stmt, index); }

    /// Steps once: SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(m_stmt); }
    /// Steps to the end, calling `row()` at each row. Returns SQLITE_DONE, or the error code that
    /// stopped it: a read error (SQLITE_CORRUPT, SQLITE_IOERR, SQLITE_BUSY) is not the end of the data.
    template <typename Row> int forEachRow(Row&& row)
    {
        int rc;
        while ((rc = sqlite3_step(m_stmt)) == SQLITE_ROW)
            row();
        return rc;
    }
    void reset()
    {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }

    qint64 int64(int column) const { return sqlite3_column_int64(m_stmt, column); }
    double real(int column) const { return sqlite3_column_double(m_stmt, column); }
    bool isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
    QString text(int column) const
    {
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
        return QString::fromUtf8(data, sqlite3_column_bytes(m_stmt, column));
    }
    /// A view valid until the next step() or reset().
    QByteArrayView bytes(int column) const
    {
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
        return QByteArrayView(data, sqlite3_column_bytes(m_stmt, column));
    }

private:
    sqlite3_stmt* m_stmt = nullptr;
};

} // namespace reprise
