#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>
#include <cstdint>
#include <vector>

namespace reprise {

/// CRC-32C (Castagnoli), as TFRecord framing uses it.
std::uint32_t crc32c(const char* data, size_t size);
/// TFRecord's masked CRC: rotate right by 15, add 0xa282ead8.
std::uint32_t maskedCrc32c(const char* data, size_t size);

/// One scalar point of an event file.
struct ScalarPoint {
    std::int64_t step = 0;
    double wallTime = 0; ///< seconds since the epoch
    double value = 0;
};

/// What one event file holds that a tracker shows: scalar histories by tag (simple_value, and
/// float/double/half scalar tensors), hparams, and how far the file was valid.
struct EventFileContents {
    QMap<QString, std::vector<ScalarPoint>> scalars;
    /// From the hparams plugin's session_start_info; numbers in their shortest form that reads back to
    /// the same double ("0.2", as Python's repr writes it).
    QMap<QString, QString> hparams;
    std::int64_t records = 0;
    std::int64_t validBytes = 0; ///< the prefix that was read; the rest is reported in `problem`
    std::int64_t impossibleShapes = 0; ///< tensor values skipped: their shape's size overflows 64 bits
    QString problem; ///< empty, or why reading stopped (truncated tail, CRC mismatch, bad protobuf)
    bool isEventFile = false; ///< the first record is an Event with a file_version
    /// The wall_time of that first record (seconds since the epoch): when the writer opened the file,
    /// the run's start. 0 when the file has no such record.
    double headerWallTime = 0;
};

/// Reads a TFRecord file of `Event` protobufs (TensorBoard's event file format) without a protobuf
/// library: records framed as length | masked CRC of length | data | masked CRC of data, both CRCs
/// verified; unknown fields and non-scalar summaries skipped. Reading stops at the first damaged
/// record and keeps what came before. Never reads out of bounds, whatever the bytes.
EventFileContents parseEventFile(const QByteArray& bytes);

} // namespace reprise
