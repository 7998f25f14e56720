// One jsii runtime (a Node process) serves the whole test run; keep its callers in line.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
