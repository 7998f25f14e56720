// Test classes start servers (moto, a fake Runtime API) and processes; one class at a time keeps
// ports and the 2-core CI machine free of contention that would make results flaky.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
