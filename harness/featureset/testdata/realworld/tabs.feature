@search
Feature: Indented with tabs

	Scenario: Tabs everywhere
		Given the patient "Amy Pond" is registered
		And I am signed in as a receptionist
		When I search for the patient with NHS number "999 000 0018"
		Then 1 patient is found

	Scenario Outline: Tabs in a table
		When I search for the patient with NHS number "<nhs>"

		Examples:
			|	nhs	|
			|	999 000 0018	|
