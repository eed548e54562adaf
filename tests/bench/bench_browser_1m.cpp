#include "bench_browser_1m.h"

#include "bench_data.h"

void browser1mBench()
{
    // Filled in by the issue-22 run table work.
}
