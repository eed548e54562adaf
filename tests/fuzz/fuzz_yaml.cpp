// Any bytes as YAML (meta.yaml, hparams.yaml, dvc.yaml): parsed and flattened without a crash.
#include "import/simple_yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const reprise::YamlDocument doc
        = reprise::parseYaml(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)));
    (void)reprise::flattenYaml(doc.root);
    return 0;
}
