#pragma once

#include <QStringList>
#include <QVariant>

namespace reprise {

/// The YAML that ML tools write (MLflow meta.yaml, Lightning hparams.yaml, dvc.yaml, dvc.lock,
/// params.yaml): block mappings and sequences by indentation, flow [..] and {..}, plain, single- and
/// double-quoted scalars, | and > block scalars, comments. Scalars stay text (the caller infers
/// types); a mapping is a QVariantMap (keys sorted) and a sequence a QVariantList. Tags such as
/// `!!python/tuple` are dropped — the value under them is kept — and listed in `unknownTags`.
/// Anchors, aliases and multi-document streams are outside the subset: they end up as text.
struct YamlDocument {
    QVariant root;
    QStringList unknownTags;
    QString error; ///< empty, or the first line that could not be read ("line N: ...")
};

YamlDocument parseYaml(const QByteArray& text);

/// A mapping flattened to dotted keys ("optimizer.lr" → "0.01"); sequences become JSON text as the
/// Python client writes a list param (`[24, 24]`, `["a", "b"]`: numbers, booleans and null by YAML
/// 1.2's core schema).
QMap<QString, QString> flattenYaml(const QVariant& value);

} // namespace reprise
