-- A customer's earlier sessions: the sessions of the same contact (one customer row per
-- channel identity) and of every contact with the same email address or phone, in any channel.
CREATE INDEX sessions_customer ON sessions(customer_id, id);
CREATE INDEX customers_email ON customers(email) WHERE email <> '';
CREATE INDEX customers_phone ON customers(phone) WHERE phone <> '';
