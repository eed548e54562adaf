#pragma once

#include "analysis/dag_layout.h"
#include "store/run_types.h"

#include <vector>

namespace reprise {

/// How a step of one run compares with the same step of another (DAG diff).
enum class StepChange { None, Unchanged, Changed, Added, Removed };
QString toString(StepChange change);

struct PipelineNode {
    enum class Kind { Step, Artifact };
    Kind kind = Kind::Step;
    QString key; ///< unique: the step name ("train", "train #2" for a repeated name) or artifact path@hash
    QString label; ///< what to show
    StepRecord step; ///< for steps (in a diff: the newer run's, or the older one's if removed)
    StepRecord previous; ///< diff, steps in both runs: the older run's (for "old → new" of its artifacts)
    ArtifactRecord artifact; ///< for artifacts
    StepChange change = StepChange::None;
    QStringList reasons; ///< why a step counts as changed (other outputs alone make it changed)
    bool outputsDiffer = false;
    bool firstDivergence = false;
};

struct PipelineEdge {
    int from = 0;
    int to = 0;
    QString label; ///< the artifact that connects two steps ("data/raw.csv 3f2a9c1b"), or empty
};

/// The DAG of a run's steps, ready to lay out and draw. Pure data; no widgets.
struct PipelineGraph {
    std::vector<PipelineNode> nodes;
    std::vector<PipelineEdge> edges;
    QStringList warnings; ///< odd but drawable input: repeated names, self-loops, missing artifacts
    QString firstDivergence; ///< diff only: key of the first step (in dependency order) whose outputs differ

    int stepCount() const;
};

/// Steps connected by artifacts: an input of one step that another step output (same artifact, or
/// same path and content hash) is an edge, as is every explicit dependency. With `artifactNodes`
/// the artifacts are nodes of their own (step → artifact → step), otherwise edge labels.
PipelineGraph buildPipelineGraph(const RunRecord& run, bool artifactNodes = false);

/// Both runs' steps on one graph, matched by name (repeated names in order): each step unchanged,
/// changed (params, command, input or output hashes differ; the reasons say which), added or removed; the
/// first step in dependency order whose outputs differ is marked as where the runs diverge.
PipelineGraph diffPipelines(const RunRecord& before, const RunRecord& after);

/// The layered layout of `graph`, its nodes of `sizes` (one per node, e.g. cards sized to their text) or
/// of default sizes (steps larger than artifacts) when `sizes` does not have one per node.
Result<DagLayout> layoutPipeline(
    const PipelineGraph& graph, const DagLayoutOptions& options = {}, const std::vector<QSizeF>& sizes = {});

/// "3f2a9c1b" from "sha256:3f2a9c1b…": the short form shown on screen.
QString shortHash(const QString& hash);

} // namespace reprise
