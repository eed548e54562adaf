#pragma once

#include <QString>
#include <utility>
#include <variant>

namespace reprise {

/// An error a user can act on: what failed (naming the file, run or expression) and what to do.
struct Error {
    QString message; ///< one line: "<thing>: <why>"
    QString hint; ///< optional second line: what to do about it
    qsizetype position = -1; ///< where in a parsed input the problem is (0-based), or -1

    /// The message, and the hint on a line of its own when there is one.
    QString text() const { return hint.isEmpty() ? message : message + u'\n' + hint; }
};

/// Value-or-error result. The core never throws across a layer boundary; it returns one of these.
template <typename T> class [[nodiscard]] Result {
public:
    Result(T value)
        : m_data(std::move(value))
    {
    }
    Result(Error error)
        : m_data(std::move(error))
    {
    }

    bool ok() const { return std::holds_alternative<T>(m_data); }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<T>(m_data); }
    const T& value() const { return std::get<T>(m_data); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<Error>(m_data); }

private:
    std::variant<T, Error> m_data;
};

/// A result without a value.
using Status = Result<std::monostate>;
inline Status success() { return Status(std::monostate {}); }

} // namespace reprise
