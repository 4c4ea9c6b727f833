-- Sign-in codes are also limited per mobile number (one number may be registered for several
-- national IDs, e.g. a parent's for the family): the number a code was sent to.
ALTER TABLE otp_sends ADD COLUMN phone TEXT;
CREATE INDEX otp_sends_by_phone ON otp_sends (phone, at);
