@search
Feature: Patient tags

  @patient:zed-zebra
  Scenario: A patient tag naming no fixture patient
    Given I am signed in as a receptionist
    When I search for patients named "Pond"
    Then 1 patient is found
