"""Job queues behind engage.services.ports.JobQueue."""
