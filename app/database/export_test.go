package database

// M0040InvisibleText lets the external tests run the migration on data
// written before it.
var M0040InvisibleText = m0040InvisibleText

// M0080DHIS2 lets the external tests run the migration on groups recorded
// before it.
var M0080DHIS2 = m0080DHIS2
