-- Enumerations of the data model (SPEC §2).

CREATE TYPE lastmile.service AS ENUM
    ('delivery', 'pickup', 'return', 'installation', 'takeback', 'pickup_point');
COMMENT ON TYPE lastmile.service IS
    'What a transport request asks for: delivery to the customer, pickup from the customer, return, installation, takeback of an old item, or delivery to a pick-up point.';

CREATE TYPE lastmile.place_kind AS ENUM ('store', 'warehouse', 'hub', 'pickup_point');
COMMENT ON TYPE lastmile.place_kind IS
    'Kind of a place: a retailer''s store or warehouse, a shared hub, or a pick-up point.';

CREATE TYPE lastmile.request_status AS ENUM
    ('new', 'allocated', 'unallocatable', 'bundled', 'labelled', 'shipped', 'delivered', 'cancelled');
COMMENT ON TYPE lastmile.request_status IS
    'Life cycle of a transport request: new → allocated (or unallocatable) → bundled → labelled → shipped → delivered; cancelled at any time.';

CREATE TYPE lastmile.resource_kind AS ENUM ('vehicle', 'driver', 'dock');
COMMENT ON TYPE lastmile.resource_kind IS
    'Kind of a resource reserved for a tour: a vehicle, a driver or a loading dock.';

CREATE TYPE lastmile.channel AS ENUM ('sms', 'email', 'slack');
COMMENT ON TYPE lastmile.channel IS
    'Channel of a customer or operator message.';

