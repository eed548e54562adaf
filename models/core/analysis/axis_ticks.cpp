#include "analysis/axis_ticks.h"

#include <algorithm>
#include <cmath>

namespace reprise {

std::vector<double> niceTicks(double lo, double hi, int target)
{
    if (!std::isfinite(lo) || !std::isfinite(hi))
        return {};
    if (lo > hi)
        std::swap(lo, hi);
    if (hi - lo < 1e-300 * std::max(1.0, std::abs(lo))) {
        const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    target = std::max(2, target);
    const double rough = (hi - lo) / target;
    const double magnitude = std::pow(10, std::floor(std::log10(rough)));
    double step = magnitude;
    for (double m : { 1.0, 2.0, 5.0, 10.0 }) {
        step = m * magnitude;
        if ((hi - lo) / step <= target)
            break;
    }
    std::vector<double> ticks;
    for (double k = std::ceil(lo / step); k * step <= hi + step * 1e-9; k += 1) {
        const double v = k * step;
        ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v); // no "-0"
    }
    return ticks;
}

std::vector<double> logTicks(double lo, double hi)
{
    if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi))
        return {};
    const int first = int(std::floor(std::log10(lo))), last = int(std::ceil(std::log10(hi)));
    std::vector<double> ticks;
    const bool fine = last - first <= 2;
    for (int e = first; e <= last; ++e) {
        for (double m : fine ? std::vector<double> { 1, 2, 5 } : std::vector<double> { 1 }) {
            const double v = m * std::pow(10, e);
            if (v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12))
                ticks.push_back(v);
        }
    }
    return ticks;
}

QString compactNumber(double value, double step)
{
    if (std::isnan(value))
        return QStringLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("∞") : QStringLiteral("−∞");
    if (value == 0)
        return QStringLiteral("0");
    const double a = std::abs(value);
    const double resolution = step > 0 ? step : a / 100;
    if (a < 1e-3 || a >= 1e15) {
        // Scientific, with as many digits as the spacing needs.
        const int digits = std::clamp(int(std::floor(std::log10(a)) - std::floor(std::log10(resolution))) + 1, 1, 6);
        QString text = QString::number(value, 'e', digits - 1);
        // "3.0e-05" -> "3e-5"
        const qsizetype e = text.indexOf(u'e');
        QString mantissa = text.left(e), exponent = text.mid(e + 1);
        if (mantissa.contains(u'.')) {
            while (mantissa.endsWith(u'0'))
                mantissa.chop(1);
            if (mantissa.endsWith(u'.'))
                mantissa.chop(1);
        }
        const int power = exponent.toInt();
        return mantissa + QStringLiteral("e") + QString::number(power);
    }
    static const struct {
        double scale;
        const char* suffix;
    } units[] = { { 1e12, "T" }, { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" }, { 1, "" } };
    for (const auto& u : units) {
        if (a >= u.scale || u.scale == 1) {
            const double scaled = value / u.scale, scaledStep = resolution / u.scale;
            const int decimals = std::clamp(int(std::ceil(-std::log10(scaledStep) - 1e-9)), 0, 6);
            QString text = QString::number(scaled, 'f', decimals);
            if (text.contains(u'.')) {
                while (text.endsWith(u'0'))
                    text.chop(1);
                if (text.endsWith(u'.'))
                    text.chop(1);
            }
            return text + QLatin1String(u.suffix);
        }
    }
    return QString::number(value);
}

} // namespace reprise
