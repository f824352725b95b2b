-- One service's own PostgreSQL login and database, owned by it (its schema and tables are
-- created by the service's migrations at start): no superuser, and no other service's login
-- can reach its tables. psql -v service=invoicing -v password=... -f service-database.sql
CREATE ROLE :"service" LOGIN PASSWORD :'password';
CREATE DATABASE :"service" OWNER :"service";
REVOKE ALL ON DATABASE :"service" FROM PUBLIC;
