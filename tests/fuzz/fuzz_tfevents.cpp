// Any bytes as a TensorBoard event file: never a crash, an out-of-bounds read or undefined behaviour.
#include "import/tensorboard_events.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const reprise::EventFileContents events
        = reprise::parseEventFile(QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)));
    if (events.validBytes > qint64(size))
        __builtin_trap(); // the valid prefix can never be longer than the file
    return 0;
}
