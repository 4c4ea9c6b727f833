-- Work queues list the application waiting longest in its state first: an agency's
-- applications in that order, filtered by state as the index is walked.
CREATE INDEX applications_waiting ON applications (agency, state_since, id);
