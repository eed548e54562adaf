#include "import/tensorboard_events.h"

#include "import/checked_number.h"

#include <array>
#include <cmath>
#include <cstring>
#include <optional>

namespace reprise {

namespace {

    std::array<std::uint32_t, 256> makeCrcTable()
    {
        std::array<std::uint32_t, 256> table {};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            table[i] = c;
        }
        return table;
    }

    std::uint32_t readU32(const char* p)
    {
        std::uint32_t v;
        std::memcpy(&v, p, 4); // little-endian machines only (x86-64, arm64)
        return v;
    }

    std::uint64_t readU64(const char* p)
    {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        return v;
    }

    /// IEEE 754 half precision to double.
    double halfToDouble(std::uint16_t h)
    {
        const int sign = (h >> 15) & 1;
        const int exponent = (h >> 10) & 0x1f;
        const int mantissa = h & 0x3ff;
        double v;
        if (exponent == 0)
            v = std::ldexp(double(mantissa), -24);
        else if (exponent == 31)
            v = mantissa ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
        else
            v = std::ldexp(double(mantissa | 0x400), exponent - 25);
        return sign ? -v : v;
    }

    /// A bounds-checked reader of the protobuf wire format. Any malformed input sets `ok` false and
    /// every later read returns zeros, so callers check once at the end.
    class Wire {
    public:
        Wire(const char* begin, const char* end)
            : m_p(begin)
            , m_end(end)
        {
        }
        bool ok() const { return m_ok; }
        bool atEnd() const { return !m_ok || m_p >= m_end; }

        /// The next field's number and wire type; false at the end or on damage.
        bool next(std::uint32_t& field, std::uint32_t& type)
        {
            if (atEnd())
                return false;
            const std::uint64_t key = varint();
            field = std::uint32_t(key >> 3);
            type = std::uint32_t(key & 7);
            return m_ok && field != 0;
        }
        std::uint64_t varint()
        {
            std::uint64_t v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (m_p >= m_end)
                    return fail();
                const auto byte = std::uint8_t(*m_p++);
                v |= std::uint64_t(byte & 0x7f) << shift;
                if (!(byte & 0x80))
                    return v;
            }
            return fail();
        }
        std::uint32_t fixed32()
        {
            if (m_end - m_p < 4)
                return std::uint32_t(fail());
            const std::uint32_t v = readU32(m_p);
            m_p += 4;
            return v;
        }
        std::uint64_t fixed64()
        {
            if (m_end - m_p < 8)
                return fail();
            const std::uint64_t v = readU64(m_p);
            m_p += 8;
            return v;
        }
        /// A length-delimited field as a sub-reader.
        Wire bytes()
        {
            const std::uint64_t n = varint();
            if (!m_ok || n > std::uint64_t(m_end - m_p)) {
                fail();
                return Wire(m_end, m_end);
            }
            Wire sub(m_p, m_p + n);
            m_p += n;
            return sub;
        }
        QByteArray string()
        {
            Wire sub = bytes();
            return QByteArray(sub.m_p, qsizetype(sub.m_end - sub.m_p));
        }
        double doubleValue()
        {
            const std::uint64_t bits = fixed64();
            double v;
            std::memcpy(&v, &bits, 8);
            return v;
        }
        double floatValue()
        {
            const std::uint32_t bits = fixed32();
            float v;
            std::memcpy(&v, &bits, 4);
            return double(v);
        }
        void skip(std::uint32_t type)
        {
            switch (type) {
            case 0:
                varint();
                break;
            case 1:
                fixed64();
                break;
            case 2:
                bytes();
                break;
            case 5:
                fixed32();
                break;
            default: // groups (3, 4) are not used by these messages
                fail();
            }
        }
        const char* position() const { return m_p; }
        const char* end() const { return m_end; }

    private:
        std::uint64_t fail()
        {
            m_ok = false;
            m_p = m_end;
            return 0;
        }
        const char* m_p;
        const char* m_end;
        bool m_ok = true;
    };

    /// A scalar from a TensorProto: DT_FLOAT (1), DT_DOUBLE (2) or DT_HALF (19) with one element.
    /// `impossibleShape` is set when the dimensions multiply past 64 bits (no tensor can be that big).
    std::optional<double> tensorScalar(Wire tensor, bool& impossibleShape)
    {
        std::uint32_t field, type;
        std::uint64_t dtype = 0;
        std::optional<qint64> elements = 1;
        QByteArray content;
        std::optional<double> typed;
        while (tensor.next(field, type)) {
            if (field == 1 && type == 0) {
                dtype = tensor.varint();
            } else if (field == 2 && type == 2) {
                Wire shape = tensor.bytes();
                std::uint32_t f, t;
                while (shape.next(f, t)) {
                    if (f == 2 && t == 2) {
                        Wire dim = shape.bytes();
                        std::uint32_t df, dt;
                        while (dim.next(df, dt)) {
                            if (df == 1 && dt == 0) {
                                // int64 size; -1 (unknown) arrives as 2^64 - 1 and converts back to -1.
                                const auto size = qint64(dim.varint());
                                elements = elements ? checkedProduct(*elements, size) : std::nullopt;
                            } else {
                                dim.skip(dt);
                            }
                        }
                    } else {
                        shape.skip(t);
                    }
                }
            } else if (field == 4 && type == 2) {
                content = tensor.string();
            } else if (field == 5) { // float_val, packed or not
                if (type == 2) {
                    Wire packed = tensor.bytes();
                    if (!packed.atEnd())
                        typed = packed.floatValue();
                } else if (type == 5) {
                    typed = tensor.floatValue();
                } else {
                    tensor.skip(type);
                }
            } else if (field == 6) { // double_val
                if (type == 2) {
                    Wire packed = tensor.bytes();
                    if (!packed.atEnd())
                        typed = packed.doubleValue();
                } else if (type == 1) {
                    typed = tensor.doubleValue();
                } else {
                    tensor.skip(type);
                }
            } else if (field == 13) { // half_val: int32 bit patterns
                if (type == 2) {
                    Wire packed = tensor.bytes();
                    if (!packed.atEnd())
                        typed = halfToDouble(std::uint16_t(packed.varint()));
                } else if (type == 0) {
                    typed = halfToDouble(std::uint16_t(tensor.varint()));
                } else {
                    tensor.skip(type);
                }
            } else {
                tensor.skip(type);
            }
        }
        if (!tensor.ok())
            return std::nullopt;
        if (!elements) {
            impossibleShape = true;
            return std::nullopt;
        }
        if (*elements != 1)
            return std::nullopt;
        if (!content.isEmpty()) {
            if (dtype == 1 && content.size() >= 4) {
                float v;
                std::memcpy(&v, content.constData(), 4);
                return double(v);
            }
            if (dtype == 2 && content.size() >= 8) {
                double v;
                std::memcpy(&v, content.constData(), 8);
                return v;
            }
            if (dtype == 19 && content.size() >= 2) {
                std::uint16_t h;
                std::memcpy(&h, content.constData(), 2);
                return halfToDouble(h);
            }
            return std::nullopt;
        }
        if (dtype == 1 || dtype == 2 || dtype == 19)
            return typed;
        return std::nullopt;
    }

    /// google.protobuf.Value as text: number, string or bool.
    QString protobufValueText(Wire value)
    {
        std::uint32_t field, type;
        QString out;
        while (value.next(field, type)) {
            if (field == 2 && type == 1)
                out = shortestText(value.doubleValue());
            else if (field == 3 && type == 2)
                out = QString::fromUtf8(value.string());
            else if (field == 4 && type == 0)
                out = value.varint() ? QStringLiteral("true") : QStringLiteral("false");
            else
                value.skip(type);
        }
        return out;
    }

    /// HParamsPluginData's session_start_info hparams (field 3 → field 1 map entries).
    void readHparams(Wire content, QMap<QString, QString>& out)
    {
        std::uint32_t field, type;
        while (content.next(field, type)) {
            if (field != 3 || type != 2) {
                content.skip(type);
                continue;
            }
            Wire start = content.bytes();
            std::uint32_t f, t;
            while (start.next(f, t)) {
                if (f != 1 || t != 2) {
                    start.skip(t);
                    continue;
                }
                Wire entry = start.bytes();
                QString key, value;
                std::uint32_t ef, et;
                while (entry.next(ef, et)) {
                    if (ef == 1 && et == 2)
                        key = QString::fromUtf8(entry.string());
                    else if (ef == 2 && et == 2)
                        value = protobufValueText(entry.bytes());
                    else
                        entry.skip(et);
                }
                if (!key.isEmpty() && entry.ok())
                    out.insert(key, value);
            }
        }
    }

    /// One Summary.Value: a scalar point (appended under its tag) or hparams.
    void readValue(Wire value, std::int64_t step, double wallTime, EventFileContents& out)
    {
        std::uint32_t field, type;
        QString tag;
        std::optional<double> scalar;
        QByteArray plugin;
        QByteArray pluginContent;
        bool impossibleShape = false;
        while (value.next(field, type)) {
            if (field == 1 && type == 2) {
                tag = QString::fromUtf8(value.string());
            } else if (field == 2 && type == 5) {
                scalar = value.floatValue();
            } else if (field == 8 && type == 2) {
                scalar = tensorScalar(value.bytes(), impossibleShape);
            } else if (field == 9 && type == 2) {
                Wire metadata = value.bytes();
                std::uint32_t f, t;
                while (metadata.next(f, t)) {
                    if (f == 1 && t == 2) {
                        Wire pluginData = metadata.bytes();
                        std::uint32_t pf, pt;
                        while (pluginData.next(pf, pt)) {
                            if (pf == 1 && pt == 2)
                                plugin = pluginData.string();
                            else if (pf == 2 && pt == 2)
                                pluginContent = pluginData.string();
                            else
                                pluginData.skip(pt);
                        }
                    } else {
                        metadata.skip(t);
                    }
                }
            } else {
                value.skip(type);
            }
        }
        if (!value.ok())
            return;
        if (impossibleShape)
            ++out.impossibleShapes;
        if (plugin == "hparams") {
            readHparams(Wire(pluginContent.constData(), pluginContent.constData() + pluginContent.size()), out.hparams);
            return;
        }
        if (scalar && !tag.isEmpty())
            out.scalars[tag].push_back(ScalarPoint { step, wallTime, *scalar });
    }

    /// One Event. False when its bytes are not a valid Event.
    bool readEvent(Wire event, EventFileContents& out, bool first)
    {
        double wallTime = 0;
        std::int64_t step = 0;
        std::optional<Wire> summary;
        bool fileVersion = false;
        std::uint32_t field, type;
        while (event.next(field, type)) {
            if (field == 1 && type == 1)
                wallTime = event.doubleValue();
            else if (field == 2 && type == 0)
                step = std::int64_t(event.varint());
            else if (field == 3 && type == 2)
                fileVersion = event.string().startsWith("brain.Event");
            else if (field == 5 && type == 2)
                summary = event.bytes();
            else
                event.skip(type);
        }
        if (!event.ok())
            return false;
        if (first) {
            out.isEventFile = fileVersion;
            if (fileVersion)
                out.headerWallTime = wallTime;
        }
        if (summary) {
            Wire s = *summary;
            while (s.next(field, type)) {
                if (field == 1 && type == 2)
                    readValue(s.bytes(), step, wallTime, out);
                else
                    s.skip(type);
            }
            if (!s.ok())
                return false;
        }
        return true;
    }

} // namespace

std::uint32_t crc32c(const char* data, size_t size)
{
    static const std::array<std::uint32_t, 256> table = makeCrcTable();
    std::uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; ++i)
        c = table[(c ^ std::uint8_t(data[i])) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

std::uint32_t maskedCrc32c(const char* data, size_t size)
{
    const std::uint32_t c = crc32c(data, size);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

EventFileContents parseEventFile(const QByteArray& bytes)
{
    EventFileContents out;
    const char* p = bytes.constData();
    const char* end = p + bytes.size();
    while (p < end) {
        const qint64 offset = p - bytes.constData();
        if (end - p < 12) {
            out.problem = QStringLiteral("truncated record header at byte %1 (the file may still be being written)")
                              .arg(offset);
            break;
        }
        const std::uint64_t length = readU64(p);
        if (readU32(p + 8) != maskedCrc32c(p, 8)) {
            out.problem = QStringLiteral("CRC mismatch in the record length at byte %1").arg(offset);
            break;
        }
        if (length > std::uint64_t(end - p - 12) || std::uint64_t(end - p - 12) - length < 4) {
            out.problem
                = QStringLiteral("truncated record at byte %1 (the file may still be being written)").arg(offset);
            break;
        }
        const char* data = p + 12;
        if (readU32(data + length) != maskedCrc32c(data, size_t(length))) {
            out.problem = QStringLiteral("CRC mismatch in the record data at byte %1").arg(offset);
            break;
        }
        if (!readEvent(Wire(data, data + length), out, out.records == 0)) {
            out.problem = QStringLiteral("record at byte %1 is not a valid Event protobuf").arg(offset);
            break;
        }
        ++out.records;
        p = data + length + 4;
        out.validBytes = p - bytes.constData();
    }
    return out;
}

} // namespace reprise
