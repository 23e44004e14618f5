"""The domain code of each job kind; the Celery tasks in ``spikeglyph_trainer.tasks`` wrap it."""
