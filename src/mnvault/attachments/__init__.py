"""Files people upload beside a record (a policy's edited version, an inspection's photo, a
contract, a pledge, a report), sealed like the numbers' records."""
