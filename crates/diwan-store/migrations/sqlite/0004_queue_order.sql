-- Work queues list the application waiting longest in its state first.
CREATE INDEX applications_waiting ON applications (agency, state, state_since, id);
