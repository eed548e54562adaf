#include "bench_compare_scale.h"

#include "bench_data.h"

void compareScaleBench()
{
    // Filled in by the issue-22 compare work.
}
