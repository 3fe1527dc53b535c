// Integration tests start processes, bundle workflows and run real syncs on 2 cores.
jest.setTimeout(180_000);
