#pragma once
// Numbers read from other trackers' files, converted only when they fit: a step of 3e21, a NaN
// epoch or a tensor shape whose product overflows is a problem of that file, never undefined
// behaviour. The one copy every importer uses.

#include <QLocale>
#include <QString>
#include <QtNumeric>
#include <cmath>
#include <optional>

namespace reprise {

/// `value` as a 64-bit integer when it is a whole number in [-2^63, 2^63); nullopt for NaN, ±inf,
/// 1.5, 3e21 and the like (a plain cast of those is undefined behaviour).
inline std::optional<qint64> checkedInteger(double value)
{
    constexpr double limit = 9223372036854775808.0; // 2^63, exact as a double
    if (!(value >= -limit && value < limit) || std::trunc(value) != value)
        return std::nullopt;
    return qint64(value);
}

/// An integer written as text: "42", "-1", and whole numbers written as floats ("49.0", "1e3": pandas
/// and JSON writers do that); nullopt for anything else, including ones out of 64-bit range.
inline std::optional<qint64> integerFromText(const QString& text)
{
    bool ok = false;
    const qint64 exact = text.trimmed().toLongLong(&ok);
    if (ok)
        return exact;
    const double v = text.trimmed().toDouble(&ok);
    return ok ? checkedInteger(v) : std::nullopt;
}

/// a + b, a - b and a * b, or nullopt when the result does not fit in 64 bits.
inline std::optional<qint64> checkedSum(qint64 a, qint64 b)
{
    qint64 out = 0;
    return qAddOverflow(a, b, &out) ? std::nullopt : std::optional<qint64>(out);
}
inline std::optional<qint64> checkedDifference(qint64 a, qint64 b)
{
    qint64 out = 0;
    return qSubOverflow(a, b, &out) ? std::nullopt : std::optional<qint64>(out);
}
inline std::optional<qint64> checkedProduct(qint64 a, qint64 b)
{
    qint64 out = 0;
    return qMulOverflow(a, b, &out) ? std::nullopt : std::optional<qint64>(out);
}

/// A run's start or end time in seconds since the epoch when it is finite and its milliseconds fit
/// in 64 bits (what the store and the run table convert it to); nullopt otherwise.
inline std::optional<double> checkedEpochSeconds(double seconds)
{
    if (!checkedInteger(std::trunc(seconds * 1000.0)))
        return std::nullopt;
    return seconds;
}

/// The shortest text that reads back to the same double: "0.2", never "0.20000000000000001" (as
/// Python's repr and MLflow write numbers); "32" for a whole number, "nan", "inf" and "-inf".
inline QString shortestText(double value) { return QString::number(value, 'g', QLocale::FloatingPointShortest); }

} // namespace reprise
