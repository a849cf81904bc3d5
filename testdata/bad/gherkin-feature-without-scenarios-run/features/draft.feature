@search
Feature: Not written yet
  Scenarios for finding a patient will go here.

  Background:
    Given I am signed in as a receptionist
