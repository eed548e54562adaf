#pragma once
// The parts of `reprise rerun` shared by its two ways in: a recorded run (cli_rerun.cpp) and a
// reproduction bundle (cli_rerun_bundle.cpp).

#include "analysis/reproduction_report.h"
#include "launch/rerun_draft.h"

#include <QCommandLineParser>
#include <QJsonObject>
#include <cstdio>

namespace reprise::cli {

/// The draft for a terminal: what will run, where, with which params and environment; the recorded
/// patch in full with `fullPatch`; `codeLine` replaces the code summary when given.
QString draftText(const RerunDraft& draft, bool fullPatch, const QString& codeLine = {});
/// The same as JSON.
QJsonObject draftJson(const RerunDraft& draft);
/// Asks on the terminal; false when there is none (then --yes is the only way).
bool confirmOnTerminal(const char* question = "Run this command from an untrusted database? [y/N] ");
/// Writes and flushes.
void writeAll(FILE* stream, const QByteArray& bytes);
/// `reprise rerun --bundle FILE`.
int rerunBundle(const QCommandLineParser& parser, const Tolerance& tolerance);

} // namespace reprise::cli
