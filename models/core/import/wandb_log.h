#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <optional>

namespace reprise {

/// zlib's CRC-32 (IEEE, reflected polynomial 0xEDB88320) of `data`, continuing from `crc` (0 to start).
std::uint32_t crc32Ieee(const char* data, size_t size, std::uint32_t crc = 0);

/// Whether `start` begins like a W&B transaction log: ":W&B", 0xBEE1 (little-endian), version 0.
bool isWandbLog(const QByteArray& start);

/// One key and its JSON value, as W&B writes history, summary and config items. `key` is the item's
/// key, or its nested keys joined with '/' (newer clients put a flat key in nested_key[0]).
struct WandbItem {
    QString key;
    QString valueJson;
};

/// One `wandb.log()` row: its items (`_step`, `_timestamp`, `_runtime` among them) and the
/// HistoryStep number when the record carries one.
struct WandbHistoryRow {
    QList<WandbItem> items;
    std::optional<qint64> step;
};

/// A line of captured output.
struct WandbOutputLine {
    bool isError = false;
    double time = 0; ///< seconds since the epoch (0 when not recorded)
    QString line;
};

/// What a .wandb file holds that Reprise uses; everything else (stats, files, telemetry, artifacts,
/// requests) is skipped by wire type.
struct WandbLog {
    bool isWandbLog = false; ///< the 7-byte header is W&B's
    QString runId, entity, project, displayName, group, jobType, notes, host, sweepId;
    QStringList tags;
    double startTime = 0; ///< RunRecord.start_time, seconds since the epoch; 0 when absent
    QString gitRemote, gitCommit;
    /// Config and summary after every update and remove in the log, applied in order.
    QMap<QString, QString> config;
    QMap<QString, QString> summary;
    QList<WandbHistoryRow> history;
    QList<WandbOutputLine> output;
    bool exited = false;
    int exitCode = 0;
    qint64 runtimeSeconds = 0; ///< RunExitRecord.runtime
    qint64 records = 0; ///< records decoded
    qint64 damaged = 0; ///< chunks or records skipped (bad checksum, bad framing, bad protobuf)
    bool truncated = false; ///< the last record runs past the end (a run still writing, or a cut copy)
    QString problem; ///< empty, or the first thing that was wrong (with its byte offset)
};

/// Reads a W&B transaction log (LevelDB log framing: 32 KiB blocks of chunks "CRC-32 | length |
/// type", FULL or FIRST/MIDDLE*/LAST, after a 7-byte header; CRC-32 of the type byte then the
/// data) of `wandb_internal.Record` protobufs, without a protobuf library. A damaged chunk is
/// skipped to the next block, as LevelDB's reader does, and the records around it are kept. Never
/// reads out of bounds, whatever the bytes.
WandbLog parseWandbLog(const QByteArray& bytes);

} // namespace reprise
